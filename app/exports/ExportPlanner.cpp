#include "exports/ExportPlanner.h"

#include "exports/ExportLayout.h"
#include "exports/ExportLog.h"

#include <QDir>
#include <QTimer>

#include <utility>

namespace bd {

namespace {
QString orNull(const QString &value)
{
    return value.isEmpty() ? QString() : value;
}
constexpr qint64 kListingReuseMs = 30000;   // a listing this young still has fresh URLs
constexpr int kListingAttempts = 4;         // per planner GET, after the API layer's own retries
constexpr int kListingRetryMs = 500;        // waits 0.5 s, 1 s, 1.5 s
constexpr int kPageCap = api::PagedCall::kDefaultPageCap;   // pages of one part before we call it a loop
}  // namespace

ExportFileInfo exportFileInfoFrom(const api::BatchFile &file)
{
    ExportFileInfo info;
    info.downloadUrl = file.downloadUrl.toString(QUrl::FullyEncoded);
    info.fileName = file.fileName;
    info.partName = orNull(file.partName);
    info.shardId = orNull(file.shardId);
    info.contentType = file.contentType;
    info.nestedContentType = orNull(file.nestedContentType);
    return info;
}

ExportPlanner::ExportPlanner(api::ApiClient *api, ExportPlanRequest request, QObject *parent)
    : Operation(parent), m_api(api), m_request(std::move(request))
{
    setCapabilities(Cancellable);
    setTitle(m_request.jobId.isEmpty() ? tr("Listing %1").arg(m_request.batchIds.join(QStringLiteral(", ")))
                                       : tr("Listing the outputs of job %1").arg(m_request.jobId));
}

ExportPlanner::~ExportPlanner()
{
    stopRequests();
}

void ExportPlanner::stopRequests()
{
    m_pages.clear();
    m_counts.clear();
    if (m_ticket != 0 && m_api)
        m_api->networkGate()->cancel(m_ticket);
    m_ticket = 0;
    for (api::ApiCall *call : std::exchange(m_calls, {})) {
        call->disconnect(this);
        call->cancel();
    }
    for (api::NetworkGate::Slot &slot : m_slots)
        slot.release(api::NetworkGate::Outcome::Abandoned);
    m_slots.clear();
}

void ExportPlanner::setMaxRequests(int requests)
{
    m_maxRequests = qMax(1, requests);
    if (state() == State::Running)
        dispatch();
}

qint64 ExportPlanner::declaredCount() const
{
    qint64 n = 0;
    for (const ExportSource &s : m_sources)
        n += s.declaredCount;
    return n;
}

void ExportPlanner::doStart()
{
    if (!m_api)
        return fail(Error(ErrorKind::Internal, tr("The API client is gone")));
    if (!m_request.jobId.isEmpty()) {
        m_pages.append({ Task::ResolveJob, 0, {}, {} });
        return dispatch();
    }
    if (m_request.batchIds.isEmpty())
        return fail(Error(ErrorKind::InvalidInput, tr("No batch to export")));
    setSources(m_request.batchIds);
}

void ExportPlanner::doCancel()
{
    stopRequests();
}

bool ExportPlanner::doResume()
{
    QTimer::singleShot(0, this, &ExportPlanner::dispatch);
    return true;
}

void ExportPlanner::fail(const Error &error)
{
    stopRequests();
    emitResult(error);
}

// Every planner call is an idempotent GET: an answer that may be a passing fault (5xx, 429, a cut
// connection, a timeout, truncated or malformed JSON) is asked again a few times before the
// export fails, on top of whatever the API layer retries itself. The slot stays taken while the
// retry waits, so retries do not exceed the cap.
template <class Call>
void ExportPlanner::track(std::function<Call *()> make, std::function<void(Call *)> onSuccess, int attempt)
{
    Call *call = m_api ? make() : nullptr;
    if (!call)
        return fail(Error(ErrorKind::Internal, tr("The API client is gone")));
    m_calls.insert(call);
    connect(call, &api::ApiCall::finished, this, [this, call, make, onSuccess, attempt] {
        m_calls.remove(call);
        if (isFinished())
            return;
        const Error error = call->error();
        if (!error)
            return onSuccess(call);
        const bool passing = error.isTransient() || error.kind == ErrorKind::BadResponse
            || error.kind == ErrorKind::Server || error.kind == ErrorKind::Network || error.kind == ErrorKind::Timeout;
        if (!passing || attempt >= kListingAttempts)
            return fail(error);
        setStatusText(tr("Asking again (attempt %1 of %2): %3").arg(attempt + 1).arg(kListingAttempts).arg(error.message));
        QTimer::singleShot(kListingRetryMs * attempt, this, [this, make, onSuccess, attempt] {
            if (!isFinished())
                track<Call>(make, onSuccess, attempt + 1);
        });
    });
}

void ExportPlanner::resolveJob()
{
    const QString jobId = m_request.jobId;
    setStatusText(tr("Listing the stages of job %1").arg(jobId));
    track<api::ListStagesCall>([this, jobId] { return m_api->listStages(jobId); }, [this, jobId](api::ListStagesCall *call) {
        // Named batches are looked for in every stage (the Exports tab names a processing-stage one too).
        const bool everyStage = m_request.allStages || !m_request.batchIds.isEmpty();
        QStringList batches;
        for (const api::Stage &stage : call->result()) {
            if (everyStage || stage.processingStageName == QLatin1String("export"))
                for (const QString &b : stage.outputBatches)
                    if (!batches.contains(b) && (m_request.batchIds.isEmpty() || m_request.batchIds.contains(b)))
                        batches << b;
        }
        for (const QString &wanted : m_request.batchIds)
            if (!batches.contains(wanted))
                return fail(Error(ErrorKind::NotFound, tr("Batch %1 is not an output batch of job %2").arg(wanted, jobId)));
        if (batches.isEmpty())
            return fail(Error(ErrorKind::NotFound,
                              m_request.allStages ? tr("Job %1 has no output batches yet").arg(jobId)
                                                  : tr("Job %1 has no export-stage output batches yet (try all stages)").arg(jobId)));
        setSources(batches);
        taskDone();
    });
}

void ExportPlanner::setSources(const QStringList &batchIds)
{
    for (const QString &batchId : batchIds) {
        ExportSource source;
        source.batchId = batchId;
        Error error;
        source.targetRoot = ExportLayout::batchRoot(m_request.targetDir, batchId, !m_request.jobId.isEmpty(),
                                                    int(batchIds.size()), &error);
        if (error)
            return fail(error);
        m_sources.append(source);
        enqueue({ Task::GetBatch, int(m_sources.size()) - 1, {}, {} });
    }
    m_sourcesKnown = true;
    Q_EMIT sourcesKnown();
    if (!isFinished())
        dispatch();
}

void ExportPlanner::enqueue(const Task &task)
{
    (task.kind == Task::Count ? m_counts : m_pages).append(task);
}

// One slot request at a time waits at the gate (as UploadQueue does), so the gate's FIFO stays
// fair between the planner, the downloads and the job monitor.
void ExportPlanner::dispatch()
{
    if (isFinished() || state() != State::Running)
        return;
    if (m_inFlight == 0 && m_pages.isEmpty() && m_counts.isEmpty() && m_sourcesKnown) {
        setStatusText(tr("%n files listed", nullptr, int(m_files.size())));
        return emitResult();
    }
    if (m_ticket == 0 && m_api && m_inFlight < m_maxRequests && !(m_pages.isEmpty() && m_counts.isEmpty()))
        m_ticket = m_api->networkGate()->acquire(api::NetworkGate::Lane::Request, this,
                                                 [this](api::NetworkGate::Slot slot) {
                                                     m_ticket = 0;
                                                     onSlot(std::move(slot));
                                                 });
}

void ExportPlanner::onSlot(api::NetworkGate::Slot slot)
{
    if (isFinished() || state() != State::Running || (m_pages.isEmpty() && m_counts.isEmpty()))
        return;   // the slot goes back unused
    const Task task = !m_pages.isEmpty() ? m_pages.takeFirst() : m_counts.takeFirst();
    m_slots.push_back(std::move(slot));
    ++m_inFlight;
    run(task);
    dispatch();
}

void ExportPlanner::taskDone()
{
    --m_inFlight;
    if (!m_slots.empty()) {
        m_slots.back().release(api::NetworkGate::Outcome::Succeeded);
        m_slots.pop_back();
    }
    dispatch();
}

void ExportPlanner::run(const Task &task)
{
    if (task.kind == Task::ResolveJob)
        return resolveJob();
    const QString batchId = m_sources.at(task.source).batchId;
    switch (task.kind) {
    case Task::ResolveJob:
        break;
    case Task::GetBatch:
        setStatusText(tr("Reading batch %1").arg(batchId));
        return track<api::GetBatchCall>([this, batchId] { return m_api->getBatch(batchId); },
                                        [this, task](api::GetBatchCall *call) {
                                            onBatch(task.source, call->result().isMultipart());
                                        });
    case Task::ListParts:
        return track<api::ListPartsCall>([this, batchId] { return m_api->listParts(batchId); },
                                         [this, task](api::ListPartsCall *call) { onParts(task.source, call->result()); });
    case Task::Count:
        return track<api::BatchCountCall>([this, batchId, part = task.partName] { return m_api->batchCount(batchId, part); },
                                          [this, task](api::BatchCountCall *call) {
                                              m_sources[task.source].declaredCount += call->result();
                                              taskDone();
                                          });
    case Task::ListPage:
        setStatusText(task.partName.isEmpty() ? tr("Listing batch %1").arg(batchId)
                                              : tr("Listing part %1 of batch %2").arg(task.partName, batchId));
        return track<api::ListBatchFilesCall>(
            [this, batchId, task] { return m_api->listBatchFiles(batchId, task.partName, 0, task.pageToken); },
            [this, task](api::ListBatchFilesCall *call) { onPage(task, call->result(), call->nextPageToken()); });
    }
}

void ExportPlanner::onBatch(int index, bool multipart)
{
    ExportSource &source = m_sources[index];
    source.multipart = multipart;
    if (!multipart) {
        if (!m_request.partNames.isEmpty() && m_request.jobId.isEmpty())
            return fail(Error(ErrorKind::InvalidInput,
                              tr("Batch %1 is not a multipart batch, so it has no parts to select").arg(source.batchId)));
        enqueue({ Task::ListPage, index, {}, {} });
        enqueue({ Task::Count, index, {}, {} });
    } else {
        enqueue({ Task::ListParts, index, {}, {} });
    }
    taskDone();
}

void ExportPlanner::onParts(int index, const QVector<api::BatchPart> &parts)
{
    QSet<QString> known;
    for (const api::BatchPart &part : parts) {
        known.insert(part.partName);
        if (m_request.partNames.isEmpty() || m_request.partNames.contains(part.partName)) {
            enqueue({ Task::ListPage, index, part.partName, {} });
            enqueue({ Task::Count, index, part.partName, {} });
        }
    }
    // A job's batches need not all have the named parts; one batch given by id must.
    if (m_request.jobId.isEmpty()) {
        QStringList unknown;
        for (const QString &name : m_request.partNames)
            if (!known.contains(name))
                unknown << name;
        if (!unknown.isEmpty())
            return fail(Error(ErrorKind::InvalidInput, tr("Batch %1 has no part named %2")
                                                           .arg(m_sources.at(index).batchId, unknown.join(QStringLiteral(", ")))));
    }
    taskDone();
}

void ExportPlanner::onPage(const Task &task, const QVector<api::BatchFile> &page, const std::optional<QString> &nextToken)
{
    const ExportSource source = m_sources.at(task.source);
    const int first = int(m_files.size());
    for (const api::BatchFile &bf : page)
        m_files.append(planFile(source, task.partName, bf));
    if (nextToken) {
        // The next page of this part; a token seen before (or too many pages) would loop forever.
        const QString partKey = QString::number(task.source) + QLatin1Char('\n') + task.partName;
        const QString seen = partKey + QLatin1Char('\n') + *nextToken;
        if (m_seenTokens.contains(seen) || ++m_pagesByPart[partKey] >= kPageCap)
            return fail(Error(ErrorKind::BadResponse, tr("The listing of batch %1 keeps sending page tokens (it would "
                                                         "never end); stopped").arg(source.batchId)));
        m_seenTokens.insert(seen);
        // First in line: the rest of a part is listed before new parts are opened.
        m_pages.prepend({ Task::ListPage, task.source, task.partName, *nextToken });
    }
    if (m_files.size() > first)
        Q_EMIT filesListed(first, int(m_files.size()) - first);
    taskDone();
}

PlannedFile ExportPlanner::planFile(const ExportSource &source, const QString &taskPart, const api::BatchFile &bf) const
{
    PlannedFile planned;
    planned.file = exportFileInfoFrom(bf);
    // The listing of a part names its files' part even when the server leaves it out.
    if (planned.file.partName.isNull() && !taskPart.isEmpty())
        planned.file.partName = taskPart;
    planned.batchId = source.batchId;
    planned.targetRoot = source.targetRoot;
    // An unsafe name or URL refuses this file only; the rest of the batch goes on.
    Error error;
    const QString part = source.multipart ? planned.file.partName : QString();
    planned.destDir = ExportLayout::destinationDir(source.targetRoot, part, &error);
    if (!error)
        planned.destPath = ExportLayout::destinationPath(source.targetRoot, part, planned.file.fileName, &error);
    const QString leaf = planned.destPath.section(QLatin1Char('/'), -1);
    if (!error && (leaf == ExportLog::fileName() || leaf.endsWith(QLatin1String(".part"))))
        error = Error(ErrorKind::Unsafe, tr("Refusing file name '%1': it takes a name the export keeps for "
                                            "itself (the export log, *.part downloads)").arg(planned.file.fileName));
    const QString scheme = bf.downloadUrl.scheme().toLower();
    if (!error && scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        error = Error(ErrorKind::Unsafe, tr("Refusing to download %1: its URL is not http or https (scheme '%2')")
                                             .arg(planned.file.fileName, bf.downloadUrl.scheme()));
    planned.refusal = error;
    planned.isArchive = !error && ExportLayout::isArchive(planned.file.fileName);
    return planned;
}

void ExportPlanner::refreshUrl(const QString &batchId, const ExportFileInfo &file, QObject *context, UrlCallback done)
{
    const QString partName = file.partName.isNull() ? QString() : file.partName;
    const QString listingKey = batchId + QLatin1Char('\n') + partName;
    Listing &listing = m_listings[listingKey];
    listing.waiters.append({ QPointer<QObject>(context), { file.identityKey(), std::move(done) } });
    if (listing.inFlight)
        return;
    if (listing.fetched.isValid() && listing.fetched.elapsed() < kListingReuseMs) {
        QTimer::singleShot(0, this, [this, listingKey] { answerWaiters(listingKey, {}); });
        return;
    }
    if (!m_api) {
        QTimer::singleShot(0, this, [this, listingKey] {
            answerWaiters(listingKey, Error(ErrorKind::Internal, tr("The API client is gone")));
        });
        return;
    }
    listing.inFlight = true;
    auto *call = m_api->listBatchFiles(batchId, partName);
    call->setMaxPages(0);
    connect(call, &api::ApiCall::finished, this, [this, call, listingKey, partName] {
        Listing &l = m_listings[listingKey];
        l.inFlight = false;
        if (!call->error()) {
            l.urlByKey.clear();
            for (const api::BatchFile &bf : call->result()) {
                ExportFileInfo info = exportFileInfoFrom(bf);
                if (info.partName.isNull() && !partName.isEmpty())
                    info.partName = partName;   // as the planner keyed it
                l.urlByKey.insert(info.identityKey(), info.downloadUrl);
            }
            l.fetched.start();
        }
        answerWaiters(listingKey, call->error());
    });
}

void ExportPlanner::answerWaiters(const QString &listingKey, const Error &error)
{
    Listing &listing = m_listings[listingKey];
    const auto waiters = std::exchange(listing.waiters, {});
    const auto urls = listing.urlByKey;
    for (const auto &waiter : waiters) {
        if (!waiter.first)
            continue;
        const QString &key = waiter.second.first;
        if (error)
            waiter.second.second(QString(), error);
        else if (!urls.contains(key))
            waiter.second.second(QString(), Error(ErrorKind::NotFound,
                                                  tr("The file %1 is no longer listed in its batch").arg(key)));
        else
            waiter.second.second(urls.value(key), {});
    }
}

}  // namespace bd
