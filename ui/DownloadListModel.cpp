#include "DownloadListModel.h"

#include "core/Format.h"
#include "exports/DownloadOperation.h"
#include "exports/ExportOperation.h"

#include <QDir>
#include <QTimer>

namespace bd::ui {

int DownloadRow::percent() const
{
    switch (state) {
    case State::Done:
    case State::Skipped:
    case State::Extracting:
        return 100;
    case State::Downloading:
        return bytesTotal > 0 ? int(qBound(qint64(0), bytesDone * 100 / bytesTotal, qint64(100))) : -1;
    default:
        return bytesTotal > 0 ? int(qBound(qint64(0), bytesDone * 100 / bytesTotal, qint64(100))) : 0;
    }
}

QString DownloadRow::stateText() const
{
    switch (state) {
    case State::Queued: return DownloadListModel::tr("Queued");
    case State::Downloading: return DownloadListModel::tr("Downloading");
    case State::Paused: return DownloadListModel::tr("Paused");
    case State::Extracting: return DownloadListModel::tr("Extracting");
    case State::Done: return isArchive ? DownloadListModel::tr("Extracted") : DownloadListModel::tr("Done");
    case State::Skipped: return DownloadListModel::tr("Already exported");
    case State::Failed: return DownloadListModel::tr("Failed: %1").arg(errorText);
    case State::Cancelled: return DownloadListModel::tr("Stopped");
    }
    return {};
}

static QString progressText(const DownloadRow &r)
{
    const int p = r.percent();
    return p < 0 ? formatBytes(r.bytesDone) : QStringLiteral("%1%").arg(p);
}

static RecordTableModel<DownloadRow>::Column downloadColumn(DownloadListModel::Column column)
{
    using M = DownloadListModel;
    using R = DownloadRow;
    switch (column) {
    case M::Job: return { M::tr("Job"), [](const R &r) { return r.jobId.isEmpty() ? QStringLiteral("—") : r.jobId; }, {}, {} };
    case M::Name: return { M::tr("Name"), [](const R &r) { return r.fileName; }, {}, {} };
    case M::Part: return { M::tr("Part"), [](const R &r) { return r.partName.isEmpty() ? r.batchId : r.partName; }, {}, {} };
    case M::Size:
        return { M::tr("Size"), [](const R &r) { return r.bytesTotal >= 0 ? formatBytes(r.bytesTotal) : QStringLiteral("?"); },
                 [](const R &r) { return r.bytesTotal; }, {} };
    case M::Progress:
        return { M::tr("Progress"), [](const R &r) { return progressText(r); }, [](const R &r) { return r.percent(); }, {} };
    case M::State:
        return { M::tr("State"), [](const R &r) { return r.stateText(); }, {},
                 [](const R &r, int role) -> QVariant {
                     if (role == Qt::ToolTipRole && !r.errorText.isEmpty())
                         return r.errorText;
                     return {};
                 } };
    case M::Speed:
        return { M::tr("Speed"),
                 [](const R &r) { return r.state == R::State::Downloading && r.speed > 0 ? formatSpeed(r.speed) : QString(); },
                 [](const R &r) { return r.speed; }, {} };
    case M::Destination:
        return { M::tr("Destination"), [](const R &r) { return QDir::toNativeSeparators(r.destPath); }, {}, {} };
    case M::ColumnCount: break;
    }
    return {};
}

DownloadListModel::DownloadListModel(QObject *parent)
    : RecordTableModel<DownloadRow>(
          columnsOf<Column>(downloadColumn),
          [](const DownloadRow &r) { return r.rowKey(); }, parent)
{
}

void DownloadListModel::track(ExportOperation *operation)
{
    const quint64 serial = m_nextSerial++;
    m_tracked.insert(serial, Tracked{ operation, {} });
    // Rows arrive page by page (the export downloads while it still lists).
    connect(operation, &ExportOperation::filesAdded, this, [this, serial] { onPlanned(serial); });
    connect(operation, &ExportOperation::fileStarted, this,
            [this, serial](const QString &key, const QString &dest) { onFileStarted(serial, key, dest); });
    connect(operation, &ExportOperation::fileFinished, this,
            [this, serial](const QString &key, const QString &, const bd::Error &error) { onFileFinished(serial, key, error); });
    connect(operation, &Operation::finished, this, [this, serial] { onExportFinished(serial); });
    connect(operation, &Operation::stateChanged, this, [this, serial](Operation::State state) {
        if (state == Operation::State::Suspended || state == Operation::State::Running)
            onExportStateChanged(serial, state == Operation::State::Suspended);
    });
}

void DownloadListModel::onExportStateChanged(quint64 serial, bool suspended)
{
    // A paused export keeps its .part files; its started files wait in "Paused".
    const auto from = suspended ? DownloadRow::State::Downloading : DownloadRow::State::Paused;
    const auto to = suspended ? DownloadRow::State::Paused : DownloadRow::State::Downloading;
    for (int index : m_tracked.value(serial).rowByKey) {
        DownloadRow &row = m_rows[index];
        if (row.state == from) {
            row.state = to;
            row.speed = 0;
        }
    }
    publish();
}

void DownloadListModel::onPlanned(quint64 serial)
{
    Tracked &t = m_tracked[serial];
    if (!t.operation)
        return;
    int already = 0;   // rows added with earlier pages
    for (const DownloadRow &r : std::as_const(m_rows))
        already += r.exportSerial == serial;
    const QVector<PlannedFile> &files = t.operation->files();
    for (qsizetype i = already; i < files.size(); ++i) {
        const PlannedFile &f = files.at(i);
        DownloadRow row;
        row.exportSerial = serial;
        row.key = f.key();
        row.fileName = f.file.fileName;
        row.partName = f.file.partName;
        row.batchId = f.batchId;
        row.jobId = t.operation->options().jobId.isEmpty() ? t.operation->property(kJobIdProperty).toString()
                                                           : t.operation->options().jobId;
        row.destPath = f.destPath;
        row.isArchive = f.isArchive;
        t.rowByKey.insert(row.key, int(m_rows.size()));
        m_rows.append(row);
    }
    publish();
}

void DownloadListModel::onFileStarted(quint64 serial, const QString &key, const QString &destPath)
{
    DownloadRow *row = mutableRow(serial, key);
    if (!row)
        return;
    row->state = DownloadRow::State::Downloading;
    // ExportOperation parents each file's DownloadOperation to itself: follow its byte progress.
    if (ExportOperation *op = m_tracked.value(serial).operation)
        for (DownloadOperation *d : op->findChildren<DownloadOperation *>(Qt::FindDirectChildrenOnly))
            if (d->destPath() == destPath && !d->isFinished())
                followDownload(serial, key, d);
    publish();
}

void DownloadListModel::followDownload(quint64 serial, const QString &key, DownloadOperation *download)
{
    connect(download, &Operation::progressChanged, this, [this, serial, key, download] {
        DownloadRow *row = mutableRow(serial, key);
        if (!row)
            return;
        row->bytesDone = download->processedAmount(Operation::Unit::Bytes);
        row->bytesTotal = download->totalAmount(Operation::Unit::Bytes);
        row->speed = download->speed();
        publish();
    });
    connect(download, &Operation::finished, this, [this, serial, key, download] {
        DownloadRow *row = mutableRow(serial, key);
        if (!row || download->error())
            return;
        row->bytesDone = download->processedAmount(Operation::Unit::Bytes);
        row->bytesTotal = row->bytesDone;
        row->speed = 0;
        if (row->isArchive && row->state == DownloadRow::State::Downloading)
            row->state = DownloadRow::State::Extracting;   // fileFinished follows after extraction
        publish();
    });
}

void DownloadListModel::onFileFinished(quint64 serial, const QString &key, const bd::Error &error)
{
    DownloadRow *row = mutableRow(serial, key);
    if (!row)
        return;
    row->speed = 0;
    if (error) {
        row->state = error.kind == ErrorKind::Cancelled ? DownloadRow::State::Cancelled : DownloadRow::State::Failed;
        row->errorText = error.message;
    } else {
        row->state = DownloadRow::State::Done;
        if (row->bytesTotal < 0)
            row->bytesTotal = row->bytesDone;
    }
    publish();
}

void DownloadListModel::onExportFinished(quint64 serial)
{
    // Files never started were skipped (already exported) when the export succeeded, else stopped.
    const Tracked t = m_tracked.value(serial);
    const bool ok = t.operation && !t.operation->error();
    for (int index : t.rowByKey) {
        DownloadRow &row = m_rows[index];
        if (row.state == DownloadRow::State::Queued)
            row.state = ok ? DownloadRow::State::Skipped : DownloadRow::State::Cancelled;
        else if (row.state == DownloadRow::State::Downloading || row.state == DownloadRow::State::Paused
                 || row.state == DownloadRow::State::Extracting)
            row.state = DownloadRow::State::Cancelled;
        row.speed = 0;
    }
    m_tracked[serial].operation = nullptr;
    publish();
}

void DownloadListModel::clearFinished()
{
    QVector<DownloadRow> kept;
    for (auto it = m_tracked.begin(); it != m_tracked.end();) {
        if (!it->operation || it->operation->isFinished()) {
            it = m_tracked.erase(it);
            continue;
        }
        ++it;
    }
    for (const DownloadRow &row : std::as_const(m_rows))
        if (m_tracked.contains(row.exportSerial))
            kept.append(row);
    m_rows = kept;
    for (Tracked &t : m_tracked)
        t.rowByKey.clear();
    for (int i = 0; i < m_rows.size(); ++i)
        m_tracked[m_rows.at(i).exportSerial].rowByKey.insert(m_rows.at(i).key, i);
    setRows(m_rows);
}

int DownloadListModel::countInState(DownloadRow::State state) const
{
    int n = 0;
    for (const DownloadRow &row : rows())
        n += row.state == state ? 1 : 0;
    return n;
}

const DownloadRow *DownloadListModel::rowForKey(const QString &fileKey) const
{
    for (const DownloadRow &row : rows())
        if (row.key == fileKey)
            return &row;
    return nullptr;
}

DownloadRow *DownloadListModel::mutableRow(quint64 serial, const QString &key)
{
    auto t = m_tracked.constFind(serial);
    if (t == m_tracked.cend())
        return nullptr;
    const int index = t->rowByKey.value(key, -1);
    return index >= 0 && index < m_rows.size() ? &m_rows[index] : nullptr;
}

void DownloadListModel::publish()
{
    // Byte progress arrives many times a second: show it at most ~8 times a second.
    if (m_publishQueued)
        return;
    m_publishQueued = true;
    QTimer::singleShot(120, this, [this] {
        m_publishQueued = false;
        setRows(m_rows);
    });
}

}  // namespace bd::ui
