#include "sandbox/JobService.h"

#include "sandbox/JobResults.h"
#include "sandbox/JobValidation.h"
#include "sandbox/JobSnapshot.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QUuid>

#include <algorithm>

namespace bd::sandbox {

namespace {

constexpr int kMaxPageSize = 100;

// Paging: opaque URL-safe tokens (no '+', '/' or '='), never "" (the reference client would loop).
QString encodeToken(const QByteArray &raw)
{
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<QByteArray> decodeToken(const QString &token)
{
    const auto r = QByteArray::fromBase64Encoding(token.toLatin1(),
                                                  QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!r)
        return std::nullopt;
    return *r;
}

struct Page {
    int size = 0;
    int offset = 0;
    QString error;   // non-empty: reply 400
};

int parsePageSize(const ApiRequest &request, int defaultSize, QString *error)
{
    if (!request.query.contains(QStringLiteral("pageSize")))
        return defaultSize;
    bool ok = false;
    const int size = request.query.value(QStringLiteral("pageSize")).toInt(&ok);
    if (!ok || size < 1) {
        *error = QStringLiteral("pageSize must be a positive integer");
        return 0;
    }
    return qMin(size, kMaxPageSize);
}

Page offsetPage(const ApiRequest &request, int defaultSize)
{
    Page p;
    p.size = parsePageSize(request, defaultSize, &p.error);
    const QString token = request.query.value(QStringLiteral("nextPageToken"));
    if (!p.error.isEmpty() || token.isEmpty())
        return p;
    const auto raw = decodeToken(token);
    bool ok = false;
    if (raw && raw->startsWith("o:"))
        p.offset = raw->mid(2).toInt(&ok);
    if (!ok || p.offset < 0)
        p.error = QStringLiteral("Invalid nextPageToken");
    return p;
}

QJsonValue offsetToken(int nextOffset, int total)
{
    if (nextOffset >= total)
        return QJsonValue();   // null on the last page, never ""
    return encodeToken("o:" + QByteArray::number(nextOffset));
}

QJsonArray slice(const QJsonArray &all, int offset, int size)
{
    QJsonArray out;
    for (int i = offset; i < all.size() && i < offset + size; ++i)
        out.append(all.at(i));
    return out;
}

QJsonObject ok(const QString &message, const QString &jobId)
{
    return QJsonObject{ { QStringLiteral("status"), QStringLiteral("ok") },
                        { QStringLiteral("message"), message },
                        { QStringLiteral("jobId"), jobId } };
}

ApiReply methodNotAllowed(const ApiRequest &request)
{
    return ApiReply::error(405, QStringLiteral("Method %1 is not allowed on this route").arg(request.method));
}

QString stateWord(const JobSnapshot &view)
{
    if (view.isAborted())
        return QStringLiteral("aborted");
    return view.isError() ? QStringLiteral("failed") : QStringLiteral("succeeded");
}

QVector<JobInputFile> snapshotInputs(const QVector<StoredFile> &files, const QString &excludedPart)
{
    QVector<JobInputFile> inputs;
    for (const StoredFile &f : files)
        if (excludedPart.isEmpty() || f.partName != excludedPart)
            inputs.append({ f.fileName, f.path, f.contentType, f.size, {} });
    return inputs;
}

}  // namespace

JobService::JobService(BatchStore *store, WebhookSender *webhooks, SandboxClock clock)
    : m_store(store), m_webhooks(webhooks), m_clock(std::move(clock))
{
}

QDateTime JobService::now() const
{
    return m_clock.now().toUTC();
}

void JobService::send(const Webhooks &webhooks)
{
    if (!m_webhooks)
        return;
    for (const Webhook &w : webhooks)
        m_webhooks->post(w.url, w.payload);
}

ApiReply JobService::handle(const ApiRequest &request)
{
    Webhooks webhooks;
    ApiReply reply;
    {
        QMutexLocker lock(&m_mutex);
        reply = route(request, webhooks);
    }
    send(webhooks);   // outside the lock: the sender may block or call back
    return reply;
}

ApiReply JobService::route(const ApiRequest &request, Webhooks &webhooks)
{
    const QStringList &p = request.path;
    const bool get = request.method == QLatin1String("GET"), post = request.method == QLatin1String("POST");
    if (p.isEmpty() || p.first() != QLatin1String("jobs"))
        return ApiReply::error(404, QStringLiteral("Unknown batch-processing route"));
    if (p.size() == 1)
        return get ? listJobs(request, webhooks) : methodNotAllowed(request);
    const QString jobId = p.at(1);
    if (p.size() == 2 && post)
        return createJob(request, jobId);
    auto it = m_jobs.find(key(request.workspace, jobId));
    if (p.size() > 5 || (p.size() == 2 && !get))
        return p.size() == 2 ? methodNotAllowed(request) : ApiReply::error(404, QStringLiteral("Unknown route"));
    if (it == m_jobs.end())
        return ApiReply::error(404, QStringLiteral("Job \"%1\" not found in workspace \"%2\"").arg(jobId, request.workspace));
    JobRecord &job = it.value();
    if (p.size() == 2)
        return jobDetails(job, webhooks);
    const QString what = p.at(2);
    if (p.size() == 3 && what == QLatin1String("stages"))
        return get ? stages(job, webhooks) : methodNotAllowed(request);
    if (p.size() == 3 && what == QLatin1String("abort"))
        return post ? abort(job, webhooks) : methodNotAllowed(request);
    if (p.size() == 3 && what == QLatin1String("restart"))
        return post ? restart(request, job, webhooks) : methodNotAllowed(request);
    if (p.size() == 3 && what == QLatin1String("logs"))
        return get ? logs(request, job, webhooks) : methodNotAllowed(request);
    if (p.size() == 5 && what == QLatin1String("stages") && p.at(4) == QLatin1String("tasks"))
        return get ? tasks(request, job, p.at(3), webhooks) : methodNotAllowed(request);
    return ApiReply::error(404, QStringLiteral("Unknown route"));
}

const JobPlan &JobService::planFor(const JobRecord &job)
{
    const QString k = key(job.workspace, job.jobId);
    auto it = m_plans.find(k);
    if (it == m_plans.end())
        it = m_plans.insert(k, planJob(job));
    return it.value();
}

void JobService::applyEffects(JobRecord &job, const JobSnapshot &view, Webhooks &webhooks)
{
    const JobPlan &plan = planFor(job);
    const QString format = job.effectiveDefinition().value(QStringLiteral("processingSpecification")).toObject()
                               .value(QStringLiteral("aggregationFormat")).toString(QStringLiteral("jsonl"));
    if (!job.isTrt() && m_store && !job.processingOutputCreated && view.stageSucceeded(QStringLiteral("processing"))) {
        ensureDigests(job.inputs);   // hash each input once; export reuses the digests
        const SimStage &processing = plan.stages.first();
        m_store->createMultipartBatch(job.workspace, processing.outputBatchId,
                                      QStringLiteral("%1: processing results").arg(job.name),
                                      processingOutput(job, processing, format));
        job.processingOutputCreated = true;
    }
    if (!job.isTrt() && m_store && !job.exportOutputCreated && view.stageSucceeded(QStringLiteral("export"))) {
        ensureDigests(job.inputs);
        m_store->createMultipartBatch(job.workspace, plan.stages.at(1).outputBatchId,
                                      QStringLiteral("%1: exported archives").arg(job.name),
                                      exportOutput(job, plan.stages.first(), format));
        job.exportOutputCreated = true;
    }
    if (!job.webhookSent && view.isTerminal()) {
        job.webhookSent = true;   // recorded even without a URL: one completion, one decision
        const QString url = job.definition.value(QStringLiteral("notificationsURL")).toString();
        if (!url.isEmpty())
            webhooks.append({ url, QJsonObject{
                                       { QStringLiteral("type"), QStringLiteral("roboflow-batch-job-notification-v1") },
                                       { QStringLiteral("event_id"), QUuid::createUuid().toString(QUuid::WithoutBraces) },
                                       { QStringLiteral("job_id"), job.jobId },
                                       { QStringLiteral("job_state"), view.isError() ? QStringLiteral("fail")
                                                                                     : QStringLiteral("success") },
                                       { QStringLiteral("delivery_attempt"), 1 } } });
    }
}

JobSnapshot JobService::observe(JobRecord &job, Webhooks &webhooks)
{
    JobSnapshot view(job, planFor(job), now(), m_clock.timeScale);
    applyEffects(job, view, webhooks);
    return view;
}

ApiReply JobService::listJobs(const ApiRequest &request, Webhooks &webhooks)
{
    QString error;
    const int size = parsePageSize(request, 10, &error);
    if (!error.isEmpty())
        return ApiReply::error(400, error);
    // Keyset paging over (createdAt desc, jobId asc): stable while new jobs arrive at the front.
    QVector<JobRecord *> jobs;
    for (JobRecord &j : m_jobs)
        if (j.workspace == request.workspace)
            jobs.append(&j);
    auto before = [](const JobRecord *a, qint64 ms, const QString &id) {
        const qint64 ams = a->createdAt.toMSecsSinceEpoch();
        return ams > ms || (ams == ms && a->jobId < id);
    };
    std::sort(jobs.begin(), jobs.end(), [&](const JobRecord *a, const JobRecord *b) {
        return before(a, b->createdAt.toMSecsSinceEpoch(), b->jobId);
    });
    int start = 0;
    const QString token = request.query.value(QStringLiteral("nextPageToken"));
    if (!token.isEmpty()) {
        const auto raw = decodeToken(token);
        const QList<QByteArray> parts = raw ? raw->split(':') : QList<QByteArray>();
        bool ok = false;
        const qint64 ms = parts.size() == 3 && parts.at(0) == "k" ? parts.at(1).toLongLong(&ok) : 0;
        if (!ok)
            return ApiReply::error(400, QStringLiteral("Invalid nextPageToken"));
        const QString id = QString::fromUtf8(parts.at(2));
        while (start < jobs.size() && (before(jobs.at(start), ms, id)
                                       || (jobs.at(start)->createdAt.toMSecsSinceEpoch() == ms && jobs.at(start)->jobId == id)))
            ++start;
    }
    QJsonArray page;
    const int end = qMin(int(jobs.size()), start + size);
    for (int i = start; i < end; ++i) {
        const JobSnapshot view = observe(*jobs.at(i), webhooks);
        page.append(view.jobJson());
    }
    QJsonValue next;
    if (end < jobs.size()) {
        const JobRecord *last = jobs.at(end - 1);
        next = encodeToken("k:" + QByteArray::number(last->createdAt.toMSecsSinceEpoch()) + ':' + last->jobId.toUtf8());
    }
    return ApiReply::json(QJsonObject{ { QStringLiteral("jobs"), page }, { QStringLiteral("nextPageToken"), next } });
}

ApiReply JobService::createJob(const ApiRequest &request, const QString &jobId)
{
    if (QString e = validateJobId(jobId); !e.isEmpty())
        return ApiReply::error(400, e);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
    if (!doc.isObject())
        return ApiReply::error(400, QStringLiteral("The request body must be a JSON object (job definition)"));
    const QJsonObject definition = doc.object();
    if (QString e = validateJobDefinition(definition); !e.isEmpty())
        return ApiReply::error(400, QStringLiteral("Invalid job definition: %1").arg(e));

    const QString k = key(request.workspace, jobId);
    if (auto existing = m_jobs.constFind(k); existing != m_jobs.constEnd()) {
        if (existing->definition == definition)   // a retried create: idempotent
            return ApiReply::json(ok(QStringLiteral("Job already exists with the same definition"), jobId));
        return ApiReply::error(409, QStringLiteral("Job \"%1\" already exists with a different definition").arg(jobId));
    }

    JobRecord job;
    job.workspace = request.workspace;
    job.jobId = jobId;
    job.name = request.query.value(QStringLiteral("name"), jobId);
    if (job.name.isEmpty())
        job.name = jobId;
    job.definition = definition;
    if (!job.isTrt()) {
        const QJsonObject input = definition.value(QStringLiteral("jobInput")).toObject();
        const QString batchId = input.value(QStringLiteral("batchId")).toString();
        const QString part = input.value(QStringLiteral("partName")).toString();
        const auto files = m_store ? m_store->batchFiles(request.workspace, batchId, part) : std::nullopt;
        if (!files)
            return ApiReply::error(404, QStringLiteral("Input batch \"%1\" not found in workspace \"%2\"")
                                            .arg(batchId, request.workspace));
        job.inputs = snapshotInputs(*files, part.isEmpty() ? input.value(QStringLiteral("imagesMetadataPart")).toString()
                                                           : QString());
        if (job.inputs.isEmpty())
            return ApiReply::error(400, part.isEmpty()
                                            ? QStringLiteral("Input batch \"%1\" has no files (is it still indexing?)").arg(batchId)
                                            : QStringLiteral("Part \"%1\" of input batch \"%2\" has no files").arg(part, batchId));
    }
    job.createdAt = job.runStartedAt = now();
    m_plans.remove(k);
    m_jobs.insert(k, job);
    return ApiReply::json(ok(QStringLiteral("Job started successfully"), jobId));
}

ApiReply JobService::jobDetails(JobRecord &job, Webhooks &webhooks)
{
    const JobSnapshot view = observe(job, webhooks);
    return ApiReply::json(QJsonObject{ { QStringLiteral("job"), view.jobJson() } });
}

ApiReply JobService::stages(JobRecord &job, Webhooks &webhooks)
{
    const JobSnapshot view = observe(job, webhooks);
    return ApiReply::json(QJsonObject{ { QStringLiteral("stages"), view.stagesJson() } });
}

ApiReply JobService::tasks(const ApiRequest &request, JobRecord &job, const QString &stageId, Webhooks &webhooks)
{
    const Page page = offsetPage(request, 20);
    if (!page.error.isEmpty())
        return ApiReply::error(400, page.error);
    const JobSnapshot view = observe(job, webhooks);
    const auto all = view.tasksJson(stageId);
    if (!all)
        return ApiReply::error(404, QStringLiteral("Stage \"%1\" not found for job \"%2\"").arg(stageId, job.jobId));
    return ApiReply::json(QJsonObject{ { QStringLiteral("tasks"), slice(*all, page.offset, page.size) },
                                       { QStringLiteral("nextPageToken"),
                                         offsetToken(page.offset + page.size, int(all->size())) } });
}

ApiReply JobService::abort(JobRecord &job, Webhooks &webhooks)
{
    {
        const JobSnapshot view = observe(job, webhooks);
        if (view.isTerminal())
            return ApiReply::error(409, QStringLiteral("Job \"%1\" has already %2; only running jobs can be aborted")
                                            .arg(job.jobId, stateWord(view)));
    }
    job.abortedAt = now();
    observe(job, webhooks);   // terminal now: sends the "fail" webhook
    return ApiReply::json(ok(QStringLiteral("Job aborted"), job.jobId));
}

ApiReply JobService::restart(const ApiRequest &request, JobRecord &job, Webhooks &webhooks)
{
    QJsonObject override;
    if (!request.body.trimmed().isEmpty()) {
        const QJsonDocument doc = QJsonDocument::fromJson(request.body);
        if (!doc.isObject())
            return ApiReply::error(400, QStringLiteral("The restart body must be a JSON object"));
        override = doc.object();
        if (QString e = validateRestartOverride(override); !e.isEmpty())
            return ApiReply::error(400, QStringLiteral("Invalid restart parameters: %1").arg(e));
    }
    const JobSnapshot view = observe(job, webhooks);
    if (!view.isTerminal())
        return ApiReply::error(409, QStringLiteral("Job \"%1\" is still running; only failed or aborted jobs can be restarted")
                                        .arg(job.jobId));
    if (!view.isError())
        return ApiReply::error(409, QStringLiteral("Job \"%1\" has succeeded; only failed or aborted jobs can be restarted")
                                        .arg(job.jobId));
    for (const QJsonValue &entry : view.logsJson())
        job.pastLogs.append(entry);
    if (!override.isEmpty())
        job.overrides.append(override);
    job.runIndex += 1;
    job.runStartedAt = now();
    job.abortedAt = QDateTime();
    job.processingOutputCreated = job.exportOutputCreated = job.webhookSent = false;
    m_plans.remove(key(job.workspace, job.jobId));
    return ApiReply::json(ok(QStringLiteral("Job restarted"), job.jobId));
}

ApiReply JobService::logs(const ApiRequest &request, JobRecord &job, Webhooks &webhooks)
{
    const QString severity = request.query.value(QStringLiteral("severity"));
    if (request.query.contains(QStringLiteral("severity"))
        && severity != QLatin1String("info") && severity != QLatin1String("error") && severity != QLatin1String("warning"))
        return ApiReply::error(400, QStringLiteral("severity must be one of: info, error, warning"));
    const Page page = offsetPage(request, 50);
    if (!page.error.isEmpty())
        return ApiReply::error(400, page.error);
    const JobSnapshot view = observe(job, webhooks);
    QJsonArray all;
    for (const QJsonArray &source : { job.pastLogs, view.logsJson() })
        for (const QJsonValue &entry : source)
            if (severity.isEmpty() || entry.toObject().value(QStringLiteral("severity")).toString() == severity)
                all.append(entry);
    return ApiReply::json(QJsonObject{ { QStringLiteral("logs"), slice(all, page.offset, page.size) },
                                       { QStringLiteral("nextPageToken"), offsetToken(page.offset + page.size, int(all.size())) } });
}

void JobService::advance()
{
    Webhooks webhooks;
    {
        QMutexLocker lock(&m_mutex);
        for (JobRecord &job : m_jobs)
            observe(job, webhooks);
    }
    send(webhooks);
}

void JobService::seedDemo(const QString &workspace)
{
    Webhooks webhooks;
    {
        QMutexLocker lock(&m_mutex);
        const QString batchId = QStringLiteral("demo-images");
        QVector<JobInputFile> inputs;
        if (const auto files = m_store ? m_store->batchFiles(workspace, batchId) : std::nullopt; files && !files->isEmpty())
            inputs = snapshotInputs(*files, {});
        const bool synthetic = inputs.isEmpty();
        for (int i = 0; synthetic && i < 20; ++i) {   // synthetic inputs: results made from name + size
            const QString name = QStringLiteral("demo-%1.jpg").arg(i + 1, 4, 10, QLatin1Char('0'));
            inputs.append({ name, {}, QStringLiteral("image/jpeg"), qint64(40000 + stableHash(name) % 200000), {} });
        }
        auto definition = [&](const QString &workflowId) {
            return QJsonObject{
                { QStringLiteral("type"), QStringLiteral("simple-image-processing-v1") },
                { QStringLiteral("jobInput"), QJsonObject{ { QStringLiteral("type"), QStringLiteral("staging-batch-input-v1") },
                                                           { QStringLiteral("batchId"), batchId } } },
                { QStringLiteral("computeConfiguration"),
                  QJsonObject{ { QStringLiteral("type"), QStringLiteral("compute-configuration-v2") } } },
                { QStringLiteral("processingSpecification"),
                  QJsonObject{ { QStringLiteral("type"), QStringLiteral("workflows-processing-specification-v1") },
                               { QStringLiteral("workspace"), workspace },
                               { QStringLiteral("workflowId"), workflowId },
                               { QStringLiteral("persistImagesOutputs"), false },
                               { QStringLiteral("aggregationFormat"), QStringLiteral("jsonl") } } } };
        };
        const QDateTime t = now();
        const double scale = m_clock.timeScale > 0 ? m_clock.timeScale : 1.0;
        auto seed = [&](const QString &jobId, const QString &name, const QString &workflowId, bool finished) {
            if (m_jobs.contains(key(workspace, jobId)))
                return;
            JobRecord job;
            job.workspace = workspace;
            job.jobId = jobId;
            job.name = name;
            job.definition = definition(workflowId);
            job.inputs = inputs;
            const double length = planJob(job).end;
            if (finished) {   // far enough in the past to be complete, outputs included
                job.createdAt = t.addMSecs(-qint64(length / scale * 1000.0) - 120000);
            } else {          // stretched to about 15 minutes of simulated time
                job.createdAt = t;
                job.pace = length > 0 ? 900.0 / length : 1.0;
            }
            job.runStartedAt = job.createdAt;
            JobRecord &stored = m_jobs.insert(key(workspace, jobId), job).value();
            m_plans.remove(key(workspace, jobId));
            observe(stored, webhooks);
        };
        seed(QStringLiteral("demo-finished"), QStringLiteral("Demo: finished detection job"), QStringLiteral("demo-detect"), true);
        seed(QStringLiteral("demo-running"), QStringLiteral("Demo: running detection job"), QStringLiteral("demo-detect-live"), false);
    }
    send(webhooks);
}

QJsonObject JobService::save() const
{
    QMutexLocker lock(&m_mutex);
    QJsonArray jobs;
    for (const JobRecord &job : m_jobs)
        jobs.append(job.toJson());
    return QJsonObject{ { QStringLiteral("version"), 1 }, { QStringLiteral("jobs"), jobs } };
}

void JobService::load(const QJsonObject &state)
{
    QMutexLocker lock(&m_mutex);
    m_jobs.clear();
    m_plans.clear();
    for (const QJsonValue &v : state.value(QStringLiteral("jobs")).toArray()) {
        const JobRecord job = JobRecord::fromJson(v.toObject());
        if (!job.jobId.isEmpty() && job.createdAt.isValid() && job.runStartedAt.isValid())
            m_jobs.insert(key(job.workspace, job.jobId), job);
    }
}

}  // namespace bd::sandbox
