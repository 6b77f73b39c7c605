#include "sandbox/SandboxServer.h"
#include "core/ThreadPriority.h"

#include "sandbox/ApiGate.h"
#include "sandbox/AssetLibrary.h"
#include "sandbox/AssetLibraryJobs.h"
#include "sandbox/DemoData.h"
#include "sandbox/FaultPlan.h"
#include "sandbox/JobService.h"
#include "sandbox/LargeBatchSeed.h"
#include "sandbox/RouteCounter.h"
#include "sandbox/StagingService.h"
#include "sandbox/StagingStore.h"
#include "sandbox/StorageHost.h"
#include "sandbox/TaskRunner.h"
#include "sandbox/UrlSigner.h"
#include "sandbox/WebhookDispatcher.h"

#include <QDir>

#include <csignal>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <QThread>

#include <httplib.h>

#include <sys/stat.h>

namespace bd::sandbox {

namespace {
const QString kStagingMarker = QStringLiteral("/data-staging/v1/external/");
constexpr int kTickMs = 500;
// The change log is folded into a new snapshot once it outgrows the snapshot (and this floor):
// snapshots then get rarer as the state grows, so persistence stays O(changes) overall.
constexpr qint64 kMinCompactBytes = qint64(4) * 1024 * 1024;

// The sandbox's state holds its URL-signing secret and every uploaded file: only its owner may
// read it (issue 14, "private by default").
void makePrivateDir(const QString &path)
{
    ::chmod(QFile::encodeName(path).constData(), S_IRWXU);
}

void makePrivateFile(int fd)
{
    if (fd >= 0)
        ::fchmod(fd, S_IRUSR | S_IWUSR);
}

void writeReply(const ApiReply &reply, httplib::Response &response)
{
    response.status = reply.status;
    for (const auto &header : reply.headers)
        response.set_header(header.first.toStdString(), header.second.toStdString());
    response.set_content(reply.body.toStdString(), reply.contentType.toStdString());
}
}  // namespace

SandboxServer::SandboxServer(SandboxOptions options)
    : m_options(std::move(options)), m_ttlSeconds(m_options.signedUrlTtlSeconds)
{
}

SandboxServer::~SandboxServer() { stop(); }

QUrl SandboxServer::storageUrl() const { return m_storage ? m_storage->url() : QUrl(); }

QString SandboxServer::statePath() const { return QDir(m_root).filePath(QStringLiteral("state.json")); }

QString SandboxServer::changeLogPath() const { return QDir(m_root).filePath(QStringLiteral("state.log")); }

bool SandboxServer::start(QString *error)
{
    if (m_running)
        return true;
    // cpp-httplib 0.11 writes without MSG_NOSIGNAL: a webhook receiver that refuses at the headers
    // and closes while our sender still writes the body would otherwise kill the whole process.
    ::signal(SIGPIPE, SIG_IGN);
    if (m_options.dataDir.isEmpty()) {
        m_tempDir = std::make_unique<QTemporaryDir>();
        m_root = m_tempDir->path();
    } else {
        m_root = QDir(m_options.dataDir).absolutePath();
    }
    if (!QDir().mkpath(m_root)) {
        if (error) *error = QStringLiteral("Cannot create the data directory %1").arg(m_root);
        return false;
    }
    makePrivateDir(m_root);
    m_faults = std::make_unique<FaultPlan>();
    if (!m_options.faultsFile.isEmpty()) {
        QFile file(m_options.faultsFile);
        QString planError;
        if (!file.open(QIODevice::ReadOnly)
            || !m_faults->setPlan(QJsonDocument::fromJson(file.readAll()).object(), &planError)) {
            if (error)
                *error = QStringLiteral("Cannot use the fault plan %1: %2")
                             .arg(m_options.faultsFile, planError.isEmpty() ? file.errorString() : planError);
            return false;
        }
    }
    m_signer = std::make_unique<UrlSigner>();
    m_counter = std::make_unique<RouteCounter>();
    m_store = std::make_unique<StagingStore>(m_root);
    m_webhooks = std::make_unique<WebhookDispatcher>(m_options.publishableKey);
    m_worker = std::make_unique<TaskRunner>();
    m_ticker = std::make_unique<TaskRunner>();
    m_assets = std::make_unique<AssetLibrary>();
    SandboxClock clock;   // real now; the simulator scales elapsed time itself
    clock.timeScale = m_options.timeScale;
    m_jobs = std::make_unique<JobService>(m_store.get(), m_webhooks.get(), clock);
    m_assetJobs = std::make_unique<AssetLibraryJobs>(m_store.get(), m_assets.get(), m_jobs.get());
    m_requestLog = std::make_unique<RequestLog>();
    bool resumed = false;
    if (!loadState(&resumed, error))
        return false;
    if (!m_options.dataDir.isEmpty()) {
        m_store->setChangeLogEnabled(true);
        saveState();   // folds a replayed change log into the snapshot and starts a new log
    }

    m_storage = std::make_unique<StorageHost>(m_store.get(), m_signer.get(), m_faults.get(), m_counter.get(),
                                              m_webhooks.get(), m_options.indexDelayMs,
                                              QDir(m_root).filePath(QStringLiteral("incoming")));
    m_storage->changed = [this] { saveIfDirty(); };
    if (!m_storage->listen(m_options.host, m_options.storagePort, error))
        return false;
    makePrivateDir(QDir(m_root).filePath(QStringLiteral("incoming")));
    for (const QString &sub : QDir(m_root).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        makePrivateDir(QDir(m_root).filePath(sub));

    StagingEnv env;
    env.store = m_store.get();
    env.signer = m_signer.get();
    env.storageBase = [this] { return m_storage->url(); };
    env.ttlSeconds = [this] { return m_ttlSeconds.load(); };
    env.webhooks = m_webhooks.get();
    env.worker = m_worker.get();
    env.assets = m_assets.get();
    env.indexDelayMs = m_options.indexDelayMs;
    env.changed = [this] { saveIfDirty(); };
    m_staging = std::make_unique<StagingService>(env);

    if (m_options.demo && !resumed) {   // a restarted sandbox keeps its (possibly changed) demo state
        seedDemoBatches(*m_store, m_options.workspace);
        m_jobs->seedDemo(m_options.workspace);
        saveState();
    }

    m_api = std::make_unique<httplib::Server>();
    m_api->new_task_queue = [] { return new httplib::ThreadPool(kSandboxServerThreads); };
    auto handler = [this](const httplib::Request &req, httplib::Response &res) { dispatch(req, res); };
    // Runs after the headers and before any body byte is read (see ApiGate.h).
    m_api->set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &res) {
        return admit(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
    });
    m_api->set_payload_max_length(size_t(kPayloadCapBytes));
    // One request per connection: a request refused before its body was read leaves that body
    // unread on the socket, and httplib would otherwise parse it as the next request.
    m_api->set_keep_alive_max_count(1);
    m_api->Get(R"(.*)", handler);
    m_api->Post(R"(.*)", handler);
    m_api->Put(R"(.*)", handler);
    m_api->Delete(R"(.*)", handler);
    const std::string host = m_options.host.toStdString();
    const int port = m_options.port == 0 ? m_api->bind_to_any_port(host)
                                         : (m_api->bind_to_port(host, m_options.port) ? m_options.port : -1);
    if (port <= 0) {
        if (error) *error = QStringLiteral("The API host could not listen on %1:%2").arg(m_options.host).arg(m_options.port);
        m_storage->stop();
        return false;
    }
    m_apiUrl = QUrl(QStringLiteral("http://%1:%2").arg(m_options.host).arg(port));
    m_apiThread = std::thread([this] {
        threads::lowerThisThread();   // and the request threads it starts, which inherit it
        m_api->listen_after_bind();
    });
    while (!m_api->is_running())
        QThread::msleep(1);
    m_running = true;
    m_ticker->post([this] { tick(); }, kTickMs);
    return true;
}

void SandboxServer::stop()
{
    if (!m_running.exchange(false))
        return;
    if (m_ticker) m_ticker->stop();
    if (m_api) m_api->stop();
    if (m_apiThread.joinable()) m_apiThread.join();
    if (m_storage) m_storage->stop();
    if (m_worker) m_worker->stop();
    if (m_webhooks) m_webhooks->stop();
    saveState();
    std::lock_guard lock(m_saveMutex);
    m_changeLog.close();
}

void SandboxServer::tick()
{
    // Lets jobs finish (output batches, completion webhooks) even when nobody polls.
    m_jobs->advance();
    if (m_compactWanted.exchange(false))
        saveState();
    else
        saveIfDirty();
    if (m_running)
        m_ticker->post([this] { tick(); }, kTickMs);
}

void SandboxServer::setFaultPlan(const QJsonObject &plan)
{
    if (m_faults)
        m_faults->setPlan(plan);
}

int SandboxServer::seedLargeBatch(const QString &batchId, int files)
{
    return m_store ? sandbox::seedLargeBatch(*m_store, m_options.workspace, batchId, files) : 0;
}


int SandboxServer::requestCount(const QString &routeId) const { return m_counter ? m_counter->value(routeId) : 0; }

QVector<LoggedRequest> SandboxServer::requestLog() const
{
    return m_requestLog ? m_requestLog->entries() : QVector<LoggedRequest>();
}

SandboxServer::Admission SandboxServer::authenticate(const httplib::Request &request, const RouteTarget &target) const
{
    Admission a;
    const Credential credential = credentialOf(request.get_header_value("Authorization"), request.get_param_value("api_key"));
    a.scheme = credential.scheme;
    if (credential.scheme == AuthScheme::None) {
        a.status = 401;
        a.message = routeRequiresBearer(target.routeId)
                        ? QStringLiteral("Unauthorized: send the API key as 'Authorization: Bearer <key>'")
                        : QStringLiteral("Unauthorized: the api_key query parameter is missing");
    } else if (credential.scheme == AuthScheme::Query && routeRequiresBearer(target.routeId)) {
        a.status = 401;   // a key in a URL ends up in logs and proxies; these routes refuse it
        a.message = QStringLiteral("Unauthorized: this route takes the API key only as 'Authorization: Bearer <key>', "
                                   "never in the URL");
    } else if (!isKnownKey(credential.key, m_options.apiKeys)) {
        a.status = 401;
        a.message = QStringLiteral("Unauthorized: the API key is not valid");
    }
    return a;
}

bool SandboxServer::admit(const httplib::Request &request, httplib::Response &response)
{
    const QString method = QString::fromStdString(request.method);
    const RouteTarget target = parseRouteTarget(method, request.target);
    auto refuse = [&](int status, const QString &message, AuthScheme scheme) {
        writeReply(ApiReply::error(status, message), response);
        m_requestLog->append({ method, QString::fromStdString(request.target), target.routeId, scheme, status });
        return false;
    };
    // httplib would inflate a gzip body while reading it, before any limit applies.
    const std::string encoding = request.get_header_value("Content-Encoding");
    if (!encoding.empty() && encoding != "identity")
        return refuse(415, QStringLiteral("Compressed request bodies are not accepted (Content-Encoding: %1)")
                               .arg(QString::fromStdString(encoding)), AuthScheme::None);
    const bool hasLength = request.has_header("Content-Length");
    const qint64 length = hasLength ? QByteArray::fromStdString(request.get_header_value("Content-Length")).toLongLong() : 0;
    const bool chunked = request.has_header("Transfer-Encoding");
    const bool drainable = !chunked && length <= kDrainableBodyBytes;
    const Admission auth = authenticate(request, target);
    if (auth.status != 0 && !drainable)
        return refuse(auth.status, auth.message, auth.scheme);   // dispatch refuses small bodies itself
    if (auth.status == 0 && length > bodyLimitFor(target.routeId))
        return refuse(413, QStringLiteral("The request body is too large for this route (%1 bytes; at most %2)")
                               .arg(length).arg(bodyLimitFor(target.routeId)), auth.scheme);
    return true;
}

void SandboxServer::dispatch(const httplib::Request &request, httplib::Response &response)
{
    const QString method = QString::fromStdString(request.method);
    const RouteTarget target = parseRouteTarget(method, request.target);
    const QString &routeId = target.routeId;
    const Admission auth = authenticate(request, target);
    const int logIndex = m_requestLog->append({ method, QString::fromStdString(request.target), routeId, auth.scheme, 0 });
    if (auth.status != 0) {
        writeReply(ApiReply::error(auth.status, auth.message), response);
        m_requestLog->setStatus(logIndex, auth.status);
        return;
    }
    if (qint64(request.body.size()) > bodyLimitFor(routeId)) {   // a chunked body has no length up front
        writeReply(ApiReply::error(413, QStringLiteral("The request body is too large for this route")), response);
        m_requestLog->setStatus(logIndex, 413);
        return;
    }
    if (!routeId.isEmpty())
        m_counter->count(routeId);

    const auto fault = routeId.isEmpty() ? std::nullopt : m_faults->take(routeId, method, QString::fromStdString(request.path));
    if (fault && fault->delayMs > 0)
        QThread::msleep(ulong(fault->delayMs));
    const bool cut = fault && fault->action == QLatin1String("cut");
    if (fault && !fault->action.isEmpty() && !cut && fault->action != QLatin1String("expire-url")) {
        writeFault(*fault, response);
        m_requestLog->setStatus(logIndex, response.status);
        return;
    }
    const ApiReply reply = route(request, target);
    if (cut) {
        Fault f = *fault;
        f.status = f.status > 0 ? f.status : reply.status;
        writeFault(f, response, reply.body.toStdString(), reply.contentType.toStdString());
    } else {
        writeReply(reply, response);
    }
    m_requestLog->setStatus(logIndex, reply.status);
    if (method != QLatin1String("GET") && !target.family.isEmpty() && target.family != kStagingMarker)
        saveState();   // job state changed (create, abort, restart, asset-library create)
    else
        saveIfDirty();
}

ApiReply SandboxServer::route(const httplib::Request &request, const RouteTarget &target)
{
    const QString &routeId = target.routeId;
    if (routeId == QLatin1String("W1"))
        return ApiReply::json({ { "workspace", m_options.workspace } });
    if (routeId.isEmpty())
        return ApiReply::error(404, QStringLiteral("No route %1 %2").arg(QString::fromStdString(request.method),
                                                                        QString::fromStdString(request.path)));
    if (target.workspace != m_options.workspace)
        return ApiReply::error(404, QStringLiteral("Workspace '%1' not found for this API key").arg(target.workspace));

    ApiRequest api;
    api.method = QString::fromStdString(request.method);
    api.workspace = target.workspace;
    api.path = target.segments;
    for (const auto &param : request.params)
        if (param.first != "api_key")
            api.query.insert(QString::fromStdString(param.first), QString::fromStdString(param.second));
    if (routeId.startsWith(QLatin1Char('A'))) {
        api.body = QByteArray::fromStdString(request.body);
        return m_assetJobs->handle(api);
    }
    if (target.family != kStagingMarker) {
        api.body = QByteArray::fromStdString(request.body);
        return m_jobs->handle(api);   // called without any lock of ours held (it calls back into the store)
    }
    QVector<FormPart> form;
    if (request.is_multipart_form_data()) {
        for (const auto &file : request.files)
            form.append({ QString::fromStdString(file.second.name), QString::fromStdString(file.second.filename),
                          QByteArray::fromStdString(file.second.content) });
        // httplib keeps parts in a multimap ordered by field name; "first part" is therefore the
        // alphabetically first, which only matters when several parts are sent.
    } else {
        api.body = QByteArray::fromStdString(request.body);
    }
    return m_staging->handle(api, form);
}

bool SandboxServer::loadState(bool *resumed, QString *error)
{
    QFile file(statePath());
    *resumed = file.exists();
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("Cannot read %1: %2").arg(statePath(), file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonObject state = QJsonDocument::fromJson(file.readAll(), &parseError).object();
    if (parseError.error != QJsonParseError::NoError) {
        if (error) *error = QStringLiteral("The state file %1 is damaged: %2").arg(statePath(), parseError.errorString());
        return false;
    }
    m_signer = std::make_unique<UrlSigner>(QByteArray::fromBase64(state.value(QLatin1String("signingSecret")).toString().toLatin1()));
    m_store->load(state.value(QLatin1String("staging")).toObject());
    m_jobs->load(state.value(QLatin1String("jobs")).toObject());
    m_assetJobs->load(state.value(QLatin1String("assetLibraryJobs")).toObject());
    m_logGeneration = state.value(QLatin1String("logGeneration")).toInt();

    // The changes made after that snapshot, if the log continues this very snapshot (a log
    // left by a crash between writing a newer snapshot and truncating the log is all in it).
    QFile log(changeLogPath());
    if (log.open(QIODevice::ReadOnly)) {
        const QJsonObject header = QJsonDocument::fromJson(log.readLine()).object();
        if (header.value(QLatin1String("generation")).toInt(-1) == m_logGeneration)
            m_store->replay(log.readAll());
    }
    return true;
}

void SandboxServer::saveIfDirty()
{
    if (m_options.dataDir.isEmpty() || !m_store)
        return;
    if (m_store->takeSnapshotWanted()) {
        saveState();
        return;
    }
    std::unique_lock lock(m_saveMutex, std::try_to_lock);
    if (!lock.owns_lock() || !m_changeLog.isOpen())
        return;
    const QByteArray lines = m_store->takeChangeLog();
    if (lines.isEmpty())
        return;
    if (m_changeLog.write(lines) != lines.size() || !m_changeLog.flush())
        m_compactWanted = true;   // the snapshot of the next tick has these changes too
    m_changeLogBytes += lines.size();
    if (m_changeLogBytes > qMax(kMinCompactBytes, m_snapshotBytes))
        m_compactWanted = true;   // on the ticker thread, not in this request
}

void SandboxServer::saveState()
{
    if (m_options.dataDir.isEmpty() || !m_store || !m_jobs)
        return;   // nothing outlives a temporary directory
    std::lock_guard lock(m_saveMutex);
    const int generation = m_logGeneration + 1;
    const QJsonObject state{ { "version", 1 },
                             { "logGeneration", generation },
                             { "signingSecret", QString::fromLatin1(m_signer->secret().toBase64()) },
                             { "staging", m_store->takeSnapshot() },
                             { "jobs", m_jobs->save() },
                             { "assetLibraryJobs", m_assetJobs->save() } };
    const QByteArray bytes = QJsonDocument(state).toJson(QJsonDocument::Compact);
    QSaveFile file(statePath());   // atomic: written to a temporary file, then renamed
    const bool opened = file.open(QIODevice::WriteOnly);
    if (opened)
        makePrivateFile(file.handle());   // before the secret is written
    if (!opened || file.write(bytes) != bytes.size() || !file.commit()) {
        m_compactWanted = true;    // the buffered changes went into this snapshot only: try again
        return;
    }
    m_logGeneration = generation;
    m_snapshotBytes = bytes.size();
    m_changeLog.close();
    m_changeLog.setFileName(changeLogPath());
    if (m_changeLog.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        makePrivateFile(m_changeLog.handle());
        m_changeLog.write(QJsonDocument(QJsonObject{ { "generation", generation } }).toJson(QJsonDocument::Compact) + '\n');
        m_changeLog.flush();
    }
    m_changeLogBytes = 0;
}

}  // namespace bd::sandbox
