// ExportOperation's streamed archives: a .tar that is not kept is extracted while it downloads
// (StreamExtractor), so its bytes go from the socket to the members without a .part on disk. The
// file is done when both its GET and its extraction ended; the extraction decides (a failed GET
// after the archive's end changes nothing, a failed extraction stops the GET). See
// ExportOperation.h for the resume rules.
#include "core/Timeline.h"
#include "exports/DownloadOperation.h"
#include "exports/ExportOperation.h"
#include "exports/StreamExtractor.h"

#include <QFileInfo>

namespace bd {

namespace {
constexpr int kStreamRecordMs = 100;   // journal writes of the resume offsets: at most this often
}

bool ExportOperation::mayStream(const PlannedFile &file) const
{
    return file.isArchive && !m_options.keepArchives && m_journal.isOpen()
        && file.file.fileName.endsWith(QLatin1String(".tar"), Qt::CaseInsensitive);
}

// The first pending file that may start now: a streamed archive extracts from its first byte, so
// it waits until the listing is complete (no member may take the name of a file listed later).
int ExportOperation::nextStartable() const
{
    if (!m_planning)
        return m_pending.isEmpty() ? -1 : 0;
    for (qsizetype i = 0; i < m_pending.size(); ++i)
        if (!mayStream(m_files.at(m_pending.at(i))))
            return int(i);
    return -1;
}

void ExportOperation::startStream(int index, DownloadOperation *download)
{
    const PlannedFile &file = m_files.at(index);
    const auto known = m_streamOffsets.constFind(index);
    const qint64 base = known != m_streamOffsets.cend() ? *known : m_journal.streamOffsetBeforeRun(file);
    ExtractOptions options = m_options.extract;
    options.deleteArchiveOnSuccess = false;   // there is no archive file
    options.reservedPaths = reservedPathsIn(file.destDir);
    auto *extractor = new StreamExtractor(file.destPath, file.destDir, options, base, this);
    download->streamTo(extractor, base);
    Stream stream;
    stream.extractor = extractor;
    stream.recorded = base;
    m_streams.insert(index, stream);
    m_journal.streamCheckpoint(file, base);
    timeline::mark(QStringLiteral("export: first stream started"), true);
    addChild(extractor);   // its worker waits for the first bytes
}

void ExportOperation::onStreamDownloadFinished(DownloadOperation *download, int index)
{
    const qint64 size = settleDownload(download, index);
    Stream &stream = m_streams[index];
    stream.downloadDone = true;
    if (download->error()) {
        if (!stream.failure)
            stream.failure = download->error();
        stream.extractor->abortInput();
    } else {
        ++m_summary.downloaded;
        m_summary.bytesDownloaded += size;
        stream.extractor->endInput();
    }
    settleStream(index);
    updateProgress();
    pump();
    finishIfDone();
}

void ExportOperation::onStreamExtractionFinished(StreamExtractor *extractor, int index)
{
    Stream &stream = m_streams[index];
    stream.extractDone = true;
    if (timeline::enabled())
        timeline::mark(QStringLiteral("export: stream extracted (%1 so far)").arg(++m_streamsExtracted));
    m_streamOffsets.insert(index, qMax<qint64>(0, extractor->resumeOffset()));
    const ExtractResult &result = extractor->result();
    for (const RefusedEntry &entry : result.refused)
        m_summary.refused.append({ m_files.at(index).file.fileName, entry });
    m_summary.extractedFiles += result.filesExtracted;
    if (extractor->error()) {
        if (!stream.failure)
            stream.failure = extractor->error();
        cancelStreamDownload(index);   // the rest of the archive is of no use
    }
    // Success with the GET still running: what follows the archive's end drains into the void.
    settleStream(index);
    updateProgress();
    pump();
    finishIfDone();
}

void ExportOperation::cancelStreamDownload(int index)
{
    DownloadOperation *download = m_running.take(index);
    if (!download)
        return;
    m_downloadIndex.remove(download);
    removeChild(download);
    download->disconnect(this);
    download->cancel();
    m_doneBytes += download->processedAmount(Unit::Bytes);
    releaseSlot(download, 0);
    download->deleteLater();
    m_streams[index].downloadDone = true;
}

// Both ends are in: the file is done (the extraction succeeded) or failed (the first error).
void ExportOperation::settleStream(int index)
{
    const auto it = m_streams.find(index);
    if (it == m_streams.end() || !it->downloadDone || !it->extractDone)
        return;
    const Stream stream = *it;
    m_streams.erase(it);
    removeChild(stream.extractor);
    stream.extractor->deleteLater();
    if (stream.extractor->error()) {
        // Failed: the row says so, and the next run starts the archive over from its first byte.
        m_streamOffsets.remove(index);
        return fileFailed(index, stream.failure);
    }
    m_streamOffsets.remove(index);
    ++m_summary.extracted;
    m_journal.setState(m_files.at(index), ExportFileState::Extracted);
    fileDone(index, m_files.at(index).destDir);
}

// Suspend or stop: the extraction is cancelled (a member being written is dropped; none is left
// half-written under its name) and the offset it reached is kept for the next start and recorded.
// The GET, if running, is the caller's.
void ExportOperation::dropStream(int index)
{
    const auto it = m_streams.find(index);
    if (it == m_streams.end())
        return;
    StreamExtractor *extractor = it->extractor;
    m_streams.erase(it);
    removeChild(extractor);
    extractor->disconnect(this);
    extractor->cancel();
    const qint64 offset = qMax<qint64>(0, extractor->resumeOffset());
    m_streamOffsets.insert(index, offset);
    m_journal.streamCheckpoint(m_files.at(index), offset);
    extractor->deleteLater();
}

// The offsets the running extractions reached go to the journal, at most every kStreamRecordMs
// (now: at once): a kill then costs at most that much extraction, written again.
void ExportOperation::recordStreamOffsets(bool now)
{
    if (m_streams.isEmpty() || (!now && !m_streamRecordDue.hasExpired()))
        return;
    m_streamRecordDue.setRemainingTime(kStreamRecordMs);
    for (auto it = m_streams.begin(); it != m_streams.end(); ++it) {
        const qint64 offset = it->extractor->resumeOffset();
        if (offset > it->recorded && !it->extractDone) {
            m_journal.streamCheckpoint(m_files.at(it.key()), offset);
            it->recorded = offset;
        }
    }
}

}  // namespace bd
