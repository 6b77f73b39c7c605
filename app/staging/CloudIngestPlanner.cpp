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

namespace {

// Neither a SAS nor a key: the az line that makes a read + list SAS for this container, signed
// with the user's Azure login (a user delegation SAS lives at most 7 days).
Error azureMissing(const cloud::BucketPath &path, const QProcessEnvironment &env)
{
    QString account = env.value(QStringLiteral("AZURE_STORAGE_ACCOUNT_NAME"), env.value(QStringLiteral("AZURE_STORAGE_ACCOUNT")));
    if (account.isEmpty())
        account = QStringLiteral("<storage-account>");
    const QString expiry = QDateTime::currentDateTimeUtc().addDays(6).toString(QStringLiteral("yyyy-MM-dd'T'HH:mm'Z'"));
    return Error(ErrorKind::InvalidInput,
                 CloudIngestPlanner::tr("No Azure credentials: set AZURE_STORAGE_ACCOUNT_NAME (or AZURE_STORAGE_ACCOUNT) with "
                                        "AZURE_STORAGE_SAS_TOKEN (preferred) or AZURE_STORAGE_ACCOUNT_KEY. A read + list SAS for "
                                        "this container, signed with your Azure login:\n"
                                        "  az storage container generate-sas --account-name %1 --name %2 --permissions rl "
                                        "--expiry %3 --auth-mode login --as-user --https-only --output tsv\n"
                                        "then: export AZURE_STORAGE_ACCOUNT_NAME=%1 AZURE_STORAGE_SAS_TOKEN='<what it printed>'")
                     .arg(account, path.bucket, expiry));
}

}  // namespace

CloudCredentials CloudIngestPlanner::resolveCredentials(const cloud::BucketPath &path, const QProcessEnvironment &env,
                                                       const QString &homeDir, Error *error)
{
    CloudCredentials c;
    Error e;
    switch (path.provider) {
    case cloud::CloudProvider::S3:
        c.aws = cloud::AwsCredentials::resolve(env, homeDir, &e);
        c.source = c.aws.source;
        c.sourceKind = c.aws.sourceKind;
        c.expiration = c.aws.expiration;
        break;
    case cloud::CloudProvider::Azure:
        c.azure = cloud::AzureCredentials::resolve(env, &e);
        if (e && c.azure.sasToken.isEmpty() && c.azure.accountKey.isEmpty())
            e = azureMissing(path, env);
        c.sourceKind = c.azure.sasToken.isEmpty() ? QStringLiteral("account-key") : QStringLiteral("sas");
        c.source = c.azure.sasToken.isEmpty()
                       ? QStringLiteral("account key of `%1` (AZURE_STORAGE_ACCOUNT_KEY)").arg(c.azure.account)
                       : QStringLiteral("SAS token for `%1` (AZURE_STORAGE_SAS_TOKEN)").arg(c.azure.account);
        break;
    case cloud::CloudProvider::Gcs: {
        c.gcs = cloud::GcsCredentials::resolve(env, homeDir, &e);
        c.gcsAccessToken = env.value(QStringLiteral("GCS_ACCESS_TOKEN"), c.gcs.accessToken);
        registerSecret(c.gcsAccessToken);
        c.source = c.gcs.description;
        c.sourceKind = c.gcs.kind;
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
        return credentials.gcs.signedUrl(path.bucket, key, now, expirySeconds, error);
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
    // Instance metadata, STS and token endpoints are network calls: off the GUI thread.
    setStatusText(tr("Finding credentials for %1").arg(m_path.base));
    struct Resolved {
        CloudCredentials credentials;
        Error error;
    };
    auto *watcher = new QFutureWatcher<Resolved>(this);
    connect(watcher, &QFutureWatcher<Resolved>::finished, this, [this, watcher] {
        watcher->deleteLater();
        if (!isFinished())
            onCredentials(watcher->result().credentials, watcher->result().error);
    });
    const cloud::BucketPath path = m_path;
    const QProcessEnvironment env = m_request.environment;
    const QString home = m_request.homeDir;
    watcher->setFuture(QtConcurrent::run([path, env, home] {
        Resolved r;
        r.credentials = resolveCredentials(path, env, home, &r.error);
        return r;
    }));
}

void CloudIngestPlanner::onCredentials(const CloudCredentials &credentials, const Error &error)
{
    if (error) {
        emitResult(error);
        return;
    }
    m_credentials = credentials;
    const cloud::MediaKind kind = m_request.videos ? cloud::MediaKind::Videos : cloud::MediaKind::Images;
    auto *listing = new cloud::CloudListing(m_path, kind, this);
    listing->setAwsCredentials(m_credentials.aws);
    if (m_credentials.aws.expiration.isValid()) {
        const QProcessEnvironment env = m_request.environment;
        const QString home = m_request.homeDir;
        listing->setAwsRefresher([env, home](Error *e) { return cloud::AwsCredentials::resolve(env, home, e); });
    }
    listing->setAzureCredentials(m_credentials.azure);
    if (!m_credentials.gcsAccessToken.isEmpty())
        listing->setGcsAccessToken(m_credentials.gcsAccessToken);
    else if (m_credentials.gcs.hasKey())
        listing->setGcsServiceAccount(m_credentials.gcs.serviceAccount);
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
    m_refreshes += listing->credentialRefreshes();
    if (m_path.provider == cloud::CloudProvider::S3) {
        m_credentials.aws = listing->awsCredentials();
        m_credentials.expiration = m_credentials.aws.expiration;
    }
    setStatusText(tr("Signing %1 URLs").arg(m_objects.size()));
    // Signing costs ~0.2 ms a URL (SigV4 key derivation, RSA for GCS): 100 000 objects would
    // freeze the GUI for seconds, so it runs on the thread pool on copies of what it needs.
    const cloud::BucketPath path = m_path;
    const CloudCredentials credentials = m_credentials;
    const qint64 expiry = m_request.expirySeconds;
    const QVector<cloud::CloudObject> objects = m_objects;
    const QProcessEnvironment env = m_request.environment;
    const QString home = m_request.homeDir;
    auto *watcher = new QFutureWatcher<SignResult>(this);
    connect(watcher, &QFutureWatcher<SignResult>::finished, this, [this, watcher] {
        watcher->deleteLater();
        if (!isFinished())
            onSigned(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([path, credentials, expiry, objects, env, home] {
        SignResult result;
        CloudCredentials signing = credentials;
        if (signing.aws.needsRefresh(QDateTime::currentDateTimeUtc())) {
            Error refreshError;
            const cloud::AwsCredentials fresh = cloud::AwsCredentials::resolve(env, home, &refreshError);
            if (!refreshError) {
                signing.aws = fresh;
                result.refreshedAws = fresh;
            }
        }
        // GCS without a key signs through one signBlob call per URL: all of them first, in parallel.
        QHash<QString, QString> gcsUrls;
        if (path.provider == cloud::CloudProvider::Gcs) {
            QStringList keys;
            keys.reserve(objects.size());
            for (const cloud::CloudObject &o : objects)
                keys.append(o.key);
            gcsUrls = signing.gcs.signedUrls(path.bucket, keys, QDateTime::currentDateTimeUtc(), expiry, &result.error);
            if (result.error)
                return result;
        }
        const cloud::ReferencesBuilder builder([&](const QString &key, qint64, Error *e) {
            return gcsUrls.isEmpty() ? signObject(path, signing, key, expiry, e) : gcsUrls.value(key);
        });
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
    if (signed_.refreshedAws.isValid()) {
        ++m_refreshes;
        m_credentials.aws = signed_.refreshedAws;
        m_credentials.expiration = signed_.refreshedAws.expiration;
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
