#include "staging/ReferencesIngestOperation.h"

#include "api/StagingRequests.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace bd::staging {

namespace {

// A URL as it may appear in a message: no query (signatures live there), no user info.
QString displayUrl(const QString &url)
{
    return QUrl(url).toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo | QUrl::RemoveFragment);
}

bool isLoopbackHost(const QString &host)
{
    return host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") || host == QLatin1String("::1");
}

}  // namespace

ReferencesIngestOperation::ReferencesIngestOperation(api::ApiClient *api, ReferencesIngestOptions options, QObject *parent)
    : Operation(parent), m_api(api), m_options(std::move(options))
{
    setCapabilities(Cancellable);
    setTitle(m_options.roboqlQuery.isEmpty() ? tr("References into %1").arg(m_options.batchId)
                                             : tr("RoboQL into %1").arg(m_options.batchId));
    m_summary.batchId = m_options.batchId;
}

ReferencesIngestOperation::~ReferencesIngestOperation()
{
    if (m_call)
        m_call->cancel();
}

// ---- static helpers ----

QVector<ReferenceEntry> ReferencesIngestOperation::readReferencesFile(const QString &path, Error *error)
{
    auto fail = [&](const QString &message) {
        if (error)
            *error = Error(ErrorKind::InvalidInput, message);
        return QVector<ReferenceEntry>();
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(tr("Cannot read the references file %1: %2").arg(path, file.errorString()));
    QVector<ReferenceEntry> entries;
    int lineNumber = 0;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        ++lineNumber;
        if (line.isEmpty())
            continue;
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
        if (!doc.isObject())
            return fail(tr("%1 line %2: not a JSON object (%3); each line must be {\"name\": ..., \"url\": ...}")
                            .arg(path).arg(lineNumber)
                            .arg(parseError.error == QJsonParseError::NoError ? tr("another JSON value") : parseError.errorString()));
        const QJsonObject o = doc.object();
        const QJsonValue name = o.value(QLatin1String("name"));
        const QJsonValue url = o.value(QLatin1String("url"));
        if (!name.isString())
            return fail(tr("%1 line %2: \"name\" is missing or not a string").arg(path).arg(lineNumber));
        if (!url.isString())
            return fail(tr("%1 line %2: \"url\" is missing or not a string").arg(path).arg(lineNumber));
        entries.append({ name.toString(), url.toString(), lineNumber });
    }
    if (entries.isEmpty())
        return fail(tr("The references file %1 contains no references").arg(path));
    return entries;
}

QVector<ReferenceProblem> ReferencesIngestOperation::validate(const QVector<ReferenceEntry> &entries)
{
    QVector<ReferenceProblem> problems;
    QHash<QString, int> firstIndex;
    for (int i = 0; i < entries.size(); ++i) {
        const ReferenceEntry &e = entries.at(i);
        const QString where = e.line > 0 ? tr("line %1").arg(e.line) : tr("reference %1").arg(i + 1);
        auto add = [&](ReferenceProblem::Kind kind, const QString &message) {
            problems.append({ i, e.line, kind, where + QStringLiteral(": ") + message });
        };
        if (e.name.trimmed().isEmpty()) {
            add(ReferenceProblem::Kind::EmptyName, tr("the name is empty"));
        } else if (e.name.contains(QLatin1Char('/'))) {
            add(ReferenceProblem::Kind::NameWithSlash, tr("the name '%1' contains '/' (names are flat file names)").arg(e.name));
        } else if (firstIndex.contains(e.name)) {
            const ReferenceEntry &first = entries.at(firstIndex.value(e.name));
            add(ReferenceProblem::Kind::DuplicateName,
                tr("the name '%1' is already used by %2").arg(e.name,
                    first.line > 0 ? tr("line %1").arg(first.line) : tr("reference %1").arg(firstIndex.value(e.name) + 1)));
        } else {
            firstIndex.insert(e.name, i);
        }
        if (e.url.trimmed().isEmpty()) {
            add(ReferenceProblem::Kind::EmptyUrl, tr("the URL is empty"));
            continue;
        }
        const QUrl url(e.url, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || url.isRelative())
            add(ReferenceProblem::Kind::MalformedUrl, tr("the URL of '%1' is malformed").arg(e.name));
        else if (scheme != QLatin1String("https") && scheme != QLatin1String("http"))
            add(ReferenceProblem::Kind::UnsupportedScheme,
                tr("the URL of '%1' uses '%2:'; only http(s) URLs can be fetched by the service").arg(e.name, scheme));
        else if (url.host().isEmpty())
            add(ReferenceProblem::Kind::MalformedUrl, tr("the URL of '%1' has no host").arg(e.name));
    }
    return problems;
}

QString ReferencesIngestOperation::describeProblems(const QVector<ReferenceProblem> &problems, int maxListed)
{
    QStringList lines;
    for (int i = 0; i < problems.size() && i < maxListed; ++i)
        lines << problems.at(i).message;
    if (problems.size() > maxListed)
        lines << tr("... and %1 more").arg(problems.size() - maxListed);
    return tr("%n problem(s) in the references: ", nullptr, int(problems.size())) + lines.join(QStringLiteral("; "));
}

QString ReferencesIngestOperation::stableIngestId(const ReferencesIngestOptions &options)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(options.batchId.toUtf8() + '\n' + (options.videos ? "videos" : "images") + '\n');
    if (!options.roboqlQuery.isEmpty()) {
        hash.addData("roboql\n" + options.roboqlQuery.toUtf8());
    } else if (!options.referencesUrl.isEmpty()) {
        hash.addData("url\n" + displayUrl(options.referencesUrl).toUtf8());
    } else {
        for (const ReferenceEntry &e : options.references)
            hash.addData(e.name.toUtf8() + '\n');
    }
    return QStringLiteral("bd-") + QString::fromLatin1(hash.result().toHex().left(32));
}

QString ReferencesIngestOperation::chunkIngestId(const QString &base, int chunkIndex, int chunkCount)
{
    if (chunkCount <= 1)
        return base;
    QString id = base;
    for (int k = 0; k <= chunkIndex; ++k)
        id += QLatin1Char('-') + QString::number(k);
    return id;
}

// ---- the operation ----

void ReferencesIngestOperation::setPhase(Phase phase, const QString &status)
{
    m_phase = phase;
    setStatusText(status);
    Q_EMIT phaseChanged(phase);
}

void ReferencesIngestOperation::doStart()
{
    m_clock.start();
    if (!m_api) {
        finish(Error(ErrorKind::Internal, tr("No API client")));
        return;
    }
    const int sources = int(!m_options.references.isEmpty()) + int(!m_options.referencesUrl.isEmpty())
                        + int(!m_options.roboqlQuery.isEmpty());
    if (m_options.batchId.isEmpty() || sources != 1) {
        finish(Error(ErrorKind::InvalidInput,
                     tr("A references ingest needs a batch id and exactly one of: references, a references URL, a RoboQL query")));
        return;
    }
    if (!m_options.roboqlQuery.isEmpty() && m_options.videos) {
        finish(Error(ErrorKind::InvalidInput, tr("RoboQL ingests build image batches only")));
        return;
    }
    if (!m_options.referencesUrl.isEmpty()) {
        const QUrl url(m_options.referencesUrl, QUrl::StrictMode);
        // §7.1: the file's URL must be https; plain http only for loopback (the sandbox).
        if (!url.isValid() || url.host().isEmpty()
            || !(url.scheme() == QLatin1String("https") || (url.scheme() == QLatin1String("http") && isLoopbackHost(url.host())))) {
            finish(Error(ErrorKind::InvalidInput,
                         tr("The references URL must be an https:// URL (got '%1')").arg(displayUrl(m_options.referencesUrl))));
            return;
        }
    }
    if (!m_options.references.isEmpty()) {
        const auto problems = validate(m_options.references);
        if (!problems.isEmpty()) {
            finish(Error(ErrorKind::InvalidInput, describeProblems(problems)));
            return;
        }
    }
    if (m_options.method.isEmpty())
        m_options.method = !m_options.roboqlQuery.isEmpty() ? QStringLiteral("roboql")
                           : !m_options.referencesUrl.isEmpty() ? QStringLiteral("references-url")
                                                                : QStringLiteral("references");
    m_summary.method = m_options.method;
    m_summary.ingestId = m_options.ingestId.isEmpty() ? stableIngestId(m_options) : m_options.ingestId;

    const int chunkSize = qMax(1, m_options.chunkSize);
    const qsizetype n = m_options.references.size();
    m_chunkCount = (n == 0 || m_options.videos) ? 1 : int((n + chunkSize - 1) / chunkSize);
    for (int i = 0; i < m_chunkCount; ++i)
        m_chunkIds << chunkIngestId(m_summary.ingestId, i, m_chunkCount);
    m_expected = n > 0 ? n : -1;
    setTotalAmount(Unit::Items, n > 0 ? n : 1);
    setTotalAmount(Unit::Files, m_expected > 0 ? m_expected : 0);
    sendChunk(0);
}

void ReferencesIngestOperation::sendChunk(int index)
{
    if (index >= m_chunkCount) {
        startIndexWait();
        return;
    }
    const int chunkSize = m_options.videos ? int(m_options.references.size()) : qMax(1, m_options.chunkSize);
    const int first = index * chunkSize;
    const int last = qMin(int(m_options.references.size()), first + chunkSize);   // exclusive
    const QString displayName = m_options.displayName.isEmpty() ? m_options.batchId : m_options.displayName;
    setPhase(Phase::Sending, m_chunkCount > 1 ? tr("Sending references %1-%2 of %3 (request %4 of %5)")
                                                   .arg(first + 1).arg(last).arg(m_options.references.size())
                                                   .arg(index + 1).arg(m_chunkCount)
                                              : tr("Sending the ingest request"));
    api::ApiCall *call = nullptr;
    if (!m_options.roboqlQuery.isEmpty()) {
        QJsonObject body{ { QStringLiteral("query"), m_options.roboqlQuery }, { QStringLiteral("ingestId"), m_chunkIds.at(index) } };
        if (!m_options.displayName.isEmpty())   // §4.13: in the body, and only when given
            body.insert(QStringLiteral("displayName"), m_options.displayName);
        if (!m_options.notificationsUrl.isEmpty())
            body.insert(QStringLiteral("notificationsURL"), m_options.notificationsUrl);
        call = m_api->roboqlIngest(m_options.batchId, body);
    } else {
        api::ReferencesIngest request;
        request.referencesUrl = m_options.referencesUrl;
        for (int i = first; i < last; ++i)
            request.references.append(QJsonObject{ { QStringLiteral("name"), m_options.references.at(i).name },
                                                   { QStringLiteral("url"), m_options.references.at(i).url } });
        request.ingestId = m_chunkIds.at(index);
        request.notificationsUrl = m_options.notificationsUrl;
        request.notificationCategories = m_options.notificationCategories;
        const QJsonObject body = request.toJson(m_options.videos);
        call = m_options.videos ? static_cast<api::ApiCall *>(m_api->ingestVideoReferences(m_options.batchId, displayName, body))
                                : m_api->ingestImageReferences(m_options.batchId, displayName, body);
    }
    m_call = call;
    connect(call, &api::ApiCall::finished, this, [this, call, index, first, last] {
        m_call = nullptr;
        if (isFinished())
            return;
        if (call->error()) {
            // Everything not yet accepted is reported as failed, with the service's reason.
            for (int i = first; i < m_options.references.size(); ++i)
                m_summary.failed.append({ m_options.references.at(i).name, m_options.references.at(i).name,
                                          QStringLiteral("not-sent"), call->error().message });
            finish(call->error());
            return;
        }
        QString echoed = m_chunkIds.at(index);
        bool duplicated = false;
        if (auto *refs = qobject_cast<api::IngestReferencesCall *>(call)) {
            echoed = refs->result().ingestId.isEmpty() ? echoed : refs->result().ingestId;
            duplicated = refs->result().duplicated;
        } else if (auto *roboql = qobject_cast<api::RoboqlIngestCall *>(call)) {
            echoed = roboql->result().value(QLatin1String("ingestId")).toString(echoed);
            duplicated = roboql->result().value(QLatin1String("duplicated")).toBool();
        }
        m_serviceIngestIds.insert(echoed);
        if (duplicated) {
            ++m_duplicatedChunks;
            m_summary.resumed = true;   // the service had this chunk already (a retry or a re-run)
        }
        setProcessedAmount(Unit::Items, m_options.references.isEmpty() ? 1 : last);
        sendChunk(index + 1);
    });
}

void ReferencesIngestOperation::startIndexWait()
{
    if (!m_options.waitForIndexing) {
        for (const ReferenceEntry &e : std::as_const(m_options.references))
            m_summary.uploaded.append({ e.name, e.name, {}, {} });
        finish();
        return;
    }
    setPhase(Phase::Indexing, tr("Waiting for the service to index the files"));
    ReadinessOptions readiness;
    readiness.batchId = m_options.batchId;
    readiness.ingestIds = m_serviceIngestIds;
    for (const QString &id : std::as_const(m_chunkIds))
        readiness.ingestIds.insert(id);
    readiness.expectedCount = m_expected;
    readiness.shardsExpected = true;   // the service makes the shards, maybe after our request
    readiness.settlePolls = 2;         // one more look: the count may trail the shard states
    readiness.pollInitialMs = m_options.pollInitialMs;
    readiness.pollMaxMs = m_options.pollMaxMs;
    readiness.timeoutMs = m_options.indexTimeoutMs;
    readiness.stallTimeoutMs = m_options.stallTimeoutMs;
    readiness.maxPollErrors = m_options.maxPollErrors;
    auto *check = new BatchReadiness(m_api, readiness, this);
    m_readiness = check;
    connect(check, &BatchReadiness::looked, this, [this, check] { showIndexed(check->count()); });
    connect(check, &Operation::finished, this, [this, check] {
        check->deleteLater();
        if (isFinished())
            return;
        m_serviceFailed = check->failedFiles();
        if (check->count() >= 0)
            showIndexed(check->count());
        // Whatever the verdict (ready, failed, stalled, gone, no answer): the listing decides.
        reconcile();
    });
    check->start();
}

void ReferencesIngestOperation::showIndexed(qint64 count)
{
    m_summary.batchCount = count;
    if (m_expected > 0) {
        setProcessedAmount(Unit::Files, qMin(count, m_expected));
        setStatusText(tr("Indexed %1 of %2 files").arg(count).arg(m_expected));
    } else {
        setTotalAmount(Unit::Files, count);
        setProcessedAmount(Unit::Files, count);
        setStatusText(tr("Indexed %1 files").arg(count));
    }
}

void ReferencesIngestOperation::reconcile()
{
    setPhase(Phase::Reconciling, tr("Checking which files are in the batch"));
    auto *files = m_api->listBatchFiles(m_options.batchId, {}, 1000);
    files->setMaxPages(0);
    m_call = files;
    connect(files, &api::ApiCall::finished, this, [this, files] {
        m_call = nullptr;
        if (isFinished())
            return;
        QSet<QString> names;
        for (const api::BatchFile &f : files->result())
            names.insert(f.fileName);
        if (m_options.references.isEmpty()) {
            // RoboQL / references URL: we never knew the names; the batch's content is the result.
            for (const api::BatchFile &f : files->result())
                m_summary.uploaded.append({ f.fileName, f.fileName, {}, {} });
            for (auto it = m_serviceFailed.cbegin(); it != m_serviceFailed.cend(); ++it)
                m_summary.failed.append({ it.key(), it.key(), it.value(), it.value() });
        } else {
            for (const ReferenceEntry &e : std::as_const(m_options.references)) {
                if (names.contains(e.name) && !files->error())
                    m_summary.uploaded.append({ e.name, e.name, {}, {} });
                else if (m_serviceFailed.contains(e.name))
                    m_summary.failed.append({ e.name, e.name, m_serviceFailed.value(e.name), m_serviceFailed.value(e.name) });
                else if (!files->error())
                    m_summary.failed.append({ e.name, e.name, QStringLiteral("not-indexed"), tr("not indexed by the service") });
            }
        }
        if (files->error())
            setStatusText(tr("Could not list the batch: %1").arg(files->error().message));
        const qint64 expected = m_expected > 0 ? m_expected : 1;
        m_summary.ready = !files->error() && m_summary.failed.isEmpty() && m_summary.batchCount >= expected;
        finish();
    });
}

void ReferencesIngestOperation::finish(const Error &error)
{
    if (isFinished())
        return;
    if (m_readiness)
        m_readiness->cancel();
    m_summary.elapsedMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    setPhase(Phase::Done, error ? error.message : tr("Done"));
    emitResult(error);
}

void ReferencesIngestOperation::doCancel()
{
    if (m_readiness)
        m_readiness->cancel();
    if (m_call)
        m_call->cancel();
}

}  // namespace bd::staging
