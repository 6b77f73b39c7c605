#include "exports/ExportPlanner.h"

#include "exports/ExportLayout.h"
#include "exports/ExportLog.h"

#include <QDir>
#include <QSet>
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

ExportPlanner::ExportPlanner(api::ApiClient *api, QObject *parent) : QObject(parent), m_api(api) {}

ExportPlanner::~ExportPlanner()
{
    if (m_call)
        m_call->cancel();
}

// Every planner call is an idempotent GET: an answer that may be a passing fault (5xx, 429, a cut
// connection, a timeout, truncated or malformed JSON) is asked again a few times before the
// export fails, on top of whatever the API layer retries itself.
template <class Call>
bool ExportPlanner::track(std::function<Call *()> make, std::function<void(Call *)> onSuccess, int attempt)
{
    Call *call = m_api ? make() : nullptr;
    if (!call) {
        finish(Error(ErrorKind::Internal, tr("The API client is gone")));
        return false;
    }
    m_call = call;
    connect(call, &api::ApiCall::finished, this, [this, call, make, onSuccess, attempt] {
        if (m_cancelled || m_finished)
            return;
        const Error error = call->error();
        if (!error)
            return onSuccess(call);
        const bool passing = error.isTransient() || error.kind == ErrorKind::BadResponse
            || error.kind == ErrorKind::Server || error.kind == ErrorKind::Network || error.kind == ErrorKind::Timeout;
        if (!passing || attempt >= kListingAttempts)
            return finish(error);
        Q_EMIT statusChanged(tr("Asking again (attempt %1 of %2): %3").arg(attempt + 1).arg(kListingAttempts).arg(error.message));
        QTimer::singleShot(kListingRetryMs * attempt, this, [this, make, onSuccess, attempt] {
            if (!m_cancelled && !m_finished)
                track<Call>(make, onSuccess, attempt + 1);
        });
    });
    return true;
}

void ExportPlanner::planBatches(const QStringList &batchIds, const QString &targetDir, const QStringList &partNames)
{
    m_targetDir = targetDir;
    m_partNames = partNames;
    m_strictParts = true;
    m_batchIds = batchIds;
    if (m_batchIds.isEmpty())
        return QTimer::singleShot(0, this, [this] { finish(Error(ErrorKind::InvalidInput, tr("No batch to export"))); });
    QTimer::singleShot(0, this, &ExportPlanner::nextSource);
}

void ExportPlanner::planJob(const QString &jobId, const QString &targetDir, const QStringList &partNames, bool allStages)
{
    m_targetDir = targetDir;
    m_partNames = partNames;
    m_strictParts = false;
    QTimer::singleShot(0, this, [this, jobId, allStages] { resolveJob(jobId, allStages); });
}

void ExportPlanner::cancel()
{
    m_cancelled = true;
    if (m_call)
        m_call->cancel();
    finish(Error(ErrorKind::Cancelled, tr("Cancelled")));
}

qint64 ExportPlanner::declaredCount() const
{
    qint64 n = 0;
    for (const ExportSource &s : m_sources)
        n += s.declaredCount;
    return n;
}

void ExportPlanner::resolveJob(const QString &jobId, bool allStages)
{
    if (m_finished || !m_api)
        return;
    Q_EMIT statusChanged(tr("Listing the stages of job %1").arg(jobId));
    track<api::ListStagesCall>([this, jobId] { return m_api->listStages(jobId); }, [this, jobId, allStages](api::ListStagesCall *call) {
        QStringList batches;
        for (const api::Stage &stage : call->result()) {
            if (allStages || stage.processingStageName == QLatin1String("export"))
                for (const QString &b : stage.outputBatches)
                    if (!batches.contains(b))
                        batches << b;
        }
        if (batches.isEmpty())
            return finish(Error(ErrorKind::NotFound,
                                allStages ? tr("Job %1 has no output batches yet").arg(jobId)
                                          : tr("Job %1 has no export-stage output batches yet (try all stages)").arg(jobId)));
        m_batchIds = batches;
        nextSource();
    });
}

void ExportPlanner::nextSource()
{
    if (m_finished || !m_api)
        return;
    if (m_nextSource >= m_batchIds.size())
        return finish();
    const QString batchId = m_batchIds.at(m_nextSource++);
    ExportSource source;
    source.batchId = batchId;
    // Several batches (a job's outputs) each get a folder; one batch fills the target itself.
    source.targetRoot = m_batchIds.size() == 1 && m_strictParts ? QDir::cleanPath(m_targetDir)
                                                                : QDir::cleanPath(m_targetDir + QLatin1Char('/') + batchId);
    m_sources.append(source);
    const int index = int(m_sources.size()) - 1;
    Q_EMIT statusChanged(tr("Reading batch %1").arg(batchId));
    track<api::GetBatchCall>([this, batchId] { return m_api->getBatch(batchId); }, [this, index](api::GetBatchCall *call) {
        m_sources[index].multipart = call->result().isMultipart();
        planParts(index);
    });
}

void ExportPlanner::planParts(int index)
{
    const ExportSource &source = m_sources.at(index);
    m_partTasks.clear();
    if (!source.multipart) {
        if (!m_partNames.isEmpty() && m_strictParts)
            return finish(Error(ErrorKind::InvalidInput,
                                tr("Batch %1 is not a multipart batch, so it has no parts to select").arg(source.batchId)));
        m_partTasks.append({ index, QString() });
        return nextPart();
    }
    track<api::ListPartsCall>([this, batchId = source.batchId] { return m_api->listParts(batchId); }, [this, index](api::ListPartsCall *call) {
        QSet<QString> known;
        for (const api::BatchPart &part : call->result()) {
            known.insert(part.partName);
            if (m_partNames.isEmpty() || m_partNames.contains(part.partName))
                m_partTasks.append({ index, part.partName });
        }
        if (m_strictParts) {
            QStringList unknown;
            for (const QString &name : m_partNames)
                if (!known.contains(name))
                    unknown << name;
            if (!unknown.isEmpty())
                return finish(Error(ErrorKind::InvalidInput, tr("Batch %1 has no part named %2")
                                                                 .arg(m_sources.at(index).batchId, unknown.join(QStringLiteral(", ")))));
        }
        nextPart();
    });
}

void ExportPlanner::nextPart()
{
    if (m_finished || !m_api)
        return;
    if (m_partTasks.isEmpty())
        return nextSource();
    const PartTask task = m_partTasks.takeFirst();
    const QString batchId = m_sources.at(task.source).batchId;
    Q_EMIT statusChanged(task.partName.isEmpty() ? tr("Listing batch %1").arg(batchId)
                                                 : tr("Listing part %1 of batch %2").arg(task.partName, batchId));
    track<api::BatchCountCall>([this, batchId, part = task.partName] { return m_api->batchCount(batchId, part); }, [this, task, batchId](api::BatchCountCall *count) {
        m_sources[task.source].declaredCount += count->result();
        auto listFiles = [this, batchId, part = task.partName] {
            auto *list = m_api->listBatchFiles(batchId, part);
            list->setMaxPages(0);
            return list;
        };
        track<api::ListBatchFilesCall>(listFiles, [this, task, batchId](api::ListBatchFilesCall *call) {
            const ExportSource &source = m_sources.at(task.source);
            for (const api::BatchFile &bf : call->result()) {
                PlannedFile planned;
                planned.file = exportFileInfoFrom(bf);
                // The listing of a part names its files' part even when the server leaves it out.
                if (planned.file.partName.isNull() && !task.partName.isEmpty())
                    planned.file.partName = task.partName;
                planned.batchId = batchId;
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
                m_files.append(planned);
            }
            nextPart();
        });
    });
}

void ExportPlanner::finish(const Error &error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_error = error;
    Q_EMIT finished();
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
