#include "staging/CloudIngestPlanner.h"

#include "cloud/CloudListing.h"
#include "cloud/SigV4.h"
#include "core/Redact.h"

#include <QDateTime>
#include <QFutureWatcher>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

namespace bd::staging {

CloudIngestPlanner::CloudIngestPlanner(Request request, QObject *parent)
    : Operation(parent), m_request(std::move(request))
{
    setCapabilities(Cancellable);
    setTitle(tr("List %1").arg(m_request.bucketPath));
}

CloudIngestPlanner::~CloudIngestPlanner() = default;

CloudCredentials CloudIngestPlanner::resolveCredentials(const cloud::BucketPath &path, const QProcessEnvironment &env,
                                                       const QString &homeDir, Error *error)
{
    CloudCredentials c;
    Error e;
    switch (path.provider) {
    case cloud::CloudProvider::S3:
        c.aws = cloud::AwsCredentials::resolve(env, homeDir, &e);
        c.source = c.aws.source;
        break;
    case cloud::CloudProvider::Azure:
        c.azure = cloud::AzureCredentials::resolve(env, &e);
        c.source = QStringLiteral("environment");
        break;
    case cloud::CloudProvider::Gcs: {
        const QString keyFile = env.value(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"));
        c.gcsAccessToken = env.value(QStringLiteral("GCS_ACCESS_TOKEN"));
        registerSecret(c.gcsAccessToken);
        if (keyFile.isEmpty()) {
            e = Error(ErrorKind::InvalidInput,
                      tr("Google Cloud Storage needs GOOGLE_APPLICATION_CREDENTIALS set to a service-account JSON key "
                         "(signed URLs cannot be made from gcloud user credentials)."));
        } else {
            c.gcs = cloud::GcsServiceAccount::fromFile(keyFile, &e);
            registerSecret(QString::fromLatin1(c.gcs.privateKeyPem));
            c.source = QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS");
        }
        break;
    }
    }
    if (e && error)
        *error = e;
    return c;
}

QString CloudIngestPlanner::signObject(const cloud::BucketPath &path, const CloudCredentials &credentials,
                                       const QString &key, qint64 expirySeconds, Error *error)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    switch (path.provider) {
    case cloud::CloudProvider::S3: {
        const cloud::S3Location where = cloud::s3Location(credentials.aws, path.bucket, key);
        cloud::SigV4Request request;
        request.host = where.host;
        request.path = where.path;
        request.payloadHash = cloud::kUnsignedPayload;
        const QString region = credentials.aws.region.isEmpty() ? QStringLiteral("us-east-1") : credentials.aws.region;
        return cloud::SigV4Signer(credentials.aws, region).presign(request, now, expirySeconds, where.scheme);
    }
    case cloud::CloudProvider::Azure:
        return cloud::AzureSas::blobUrl(credentials.azure, path.bucket, key, now.addSecs(expirySeconds));
    case cloud::CloudProvider::Gcs:
        return cloud::GcsV4Signer(credentials.gcs).signedUrl(path.bucket, key, now, expirySeconds, error);
    }
    if (error)
        *error = Error(ErrorKind::Internal, tr("Unknown cloud provider"));
    return {};
}

void CloudIngestPlanner::doStart()
{
    Error error;
    m_path = cloud::BucketPath::parse(m_request.bucketPath, &error);
    if (error) {
        emitResult(error);
        return;
    }
    m_credentials = resolveCredentials(m_path, m_request.environment, m_request.homeDir, &error);
    if (error) {
        emitResult(error);
        return;
    }
    const cloud::MediaKind kind = m_request.videos ? cloud::MediaKind::Videos : cloud::MediaKind::Images;
    auto *listing = new cloud::CloudListing(m_path, kind, this);
    listing->setAwsCredentials(m_credentials.aws);
    listing->setAzureCredentials(m_credentials.azure);
    if (!m_credentials.gcsAccessToken.isEmpty())
        listing->setGcsAccessToken(m_credentials.gcsAccessToken);
    else if (m_credentials.gcs.isValid())
        listing->setGcsServiceAccount(m_credentials.gcs);
    QString gcsRoot = m_request.gcsApiRoot;
    if (gcsRoot.isEmpty())
        gcsRoot = m_request.environment.value(QStringLiteral("STORAGE_EMULATOR_HOST"));
    if (!gcsRoot.isEmpty())
        listing->setGcsApiRoot(gcsRoot);
    listing->setPageSize(m_request.pageSize);
    m_listing = listing;
    // The live count: Items = objects seen, Files = objects that match.
    connect(listing, &Operation::progressChanged, this, [this, listing] {
        setProcessedAmount(Unit::Items, listing->processedAmount(Unit::Items));
        setProcessedAmount(Unit::Files, listing->processedAmount(Unit::Files));
    });
    connect(listing, &Operation::statusTextChanged, this, &CloudIngestPlanner::setStatusText);
    connect(listing, &Operation::finished, this, &CloudIngestPlanner::onListingFinished);
    setStatusText(tr("Listing %1").arg(m_path.base));
    listing->start();
}

void CloudIngestPlanner::onListingFinished()
{
    if (isFinished() || !m_listing)
        return;
    cloud::CloudListing *listing = m_listing;
    m_listing = nullptr;
    listing->deleteLater();
    if (listing->error()) {
        emitResult(listing->error());
        return;
    }
    m_objects = listing->objects();
    setStatusText(tr("Signing %1 URLs").arg(m_objects.size()));
    // Signing costs ~0.2 ms a URL (SigV4 key derivation, RSA for GCS): 100 000 objects would
    // freeze the GUI for seconds, so it runs on the thread pool on copies of what it needs.
    const cloud::BucketPath path = m_path;
    const CloudCredentials credentials = m_credentials;
    const qint64 expiry = m_request.expirySeconds;
    const QVector<cloud::CloudObject> objects = m_objects;
    auto *watcher = new QFutureWatcher<SignResult>(this);
    connect(watcher, &QFutureWatcher<SignResult>::finished, this, [this, watcher] {
        watcher->deleteLater();
        if (!isFinished())
            onSigned(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([path, credentials, expiry, objects] {
        const cloud::ReferencesBuilder builder([&](const QString &key, qint64, Error *e) {
            return signObject(path, credentials, key, expiry, e);
        });
        SignResult result;
        result.references = builder.build(objects, &result.error);
        return result;
    }));
}

void CloudIngestPlanner::onSigned(const SignResult &signed_)
{
    if (signed_.error) {
        emitResult(signed_.error);
        return;
    }
    const QVector<cloud::Reference> &refs = signed_.references;
    m_references.clear();
    m_references.reserve(refs.size());
    for (const cloud::Reference &r : refs)
        m_references.append({ r.name, r.url, 0 });
    setTotalAmount(Unit::Files, m_references.size());
    setProcessedAmount(Unit::Files, m_references.size());
    setStatusText(tr("%n object(s) match", nullptr, int(m_references.size())));
    emitResult();
}

bool CloudIngestPlanner::saveReferences(const QString &path, Error *error) const
{
    QVector<cloud::Reference> refs;
    refs.reserve(m_references.size());
    for (const ReferenceEntry &e : m_references)
        refs.append({ e.name, e.url });
    return cloud::ReferencesBuilder::writeJsonl(refs, path, error);
}

void CloudIngestPlanner::doCancel()
{
    if (m_listing)
        m_listing->cancel();
}

}  // namespace bd::staging
