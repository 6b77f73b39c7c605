#include "TransferListModel.h"

#include "RecordTableModel.h"
#include "core/Format.h"
#include "staging/TransferOperation.h"
#include "staging/UploadQueue.h"

#include <QFileInfo>
#include <QLocale>

namespace bd::ui {

using staging::TransferOperation;

namespace {

// What the user recognises a transfer by: the shard and its size, or the file's batch name.
void describe(const TransferOperation *t, QString *name, QString *kind)
{
    if (auto *shard = qobject_cast<const staging::ShardUploadOperation *>(t)) {
        *kind = QObject::tr("Shard");
        const auto &members = shard->shard().members;
        *name = members.isEmpty() ? QObject::tr("Shard %1").arg(shard->shard().index + 1)
                                  : QObject::tr("Shard %1: %2 … %3")
                                        .arg(shard->shard().index + 1)
                                        .arg(members.first().name, members.last().name);
        return;
    }
    if (auto *image = qobject_cast<const staging::ImageUploadOperation *>(t)) {
        *kind = QObject::tr("Image");
        *name = image->batchName();
        return;
    }
    *kind = QObject::tr("Video");
    *name = QFileInfo(t->filePaths().value(0)).fileName();
}

QString keyOf(const TransferOperation *t)
{
    const QStringList paths = t->filePaths();
    return paths.value(0) + QLatin1Char('#') + QString::number(paths.size());
}

}  // namespace

int TransferListModel::Row::percent() const
{
    if (state == RowState::Done)
        return 100;
    if (bytes <= 0)
        return state == RowState::Running ? -1 : 0;
    return int(qBound<qint64>(qint64(0), sent * 100 / bytes, qint64(100)));
}

TransferListModel::TransferListModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_refresh.setInterval(kLiveReadMs);
    connect(&m_refresh, &QTimer::timeout, this, &TransferListModel::readLive);
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kFlushMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &TransferListModel::flush);
}

void TransferListModel::watch(staging::UploadQueue *queue)
{
    connect(queue, &staging::UploadQueue::transferStarted, this, &TransferListModel::onStarted);
    // The queue's end shows its last rows at once (the ingest's end follows it).
    connect(queue, &bd::Operation::finished, this, &TransferListModel::flush);
}

void TransferListModel::onStarted(TransferOperation *transfer)
{
    const QString key = keyOf(transfer);
    int row = m_rowOfKey.value(key, -1);
    if (row < 0) {
        Row r;
        r.key = key;
        describe(transfer, &r.name, &r.kind);
        r.files = transfer->fileCount();
        row = int(m_rows.size());
        m_rows.append(r);
        m_rowOfKey.insert(key, row);
    }
    Row &r = m_rows[row];
    r.transfer = transfer;
    r.state = RowState::Running;
    r.status = tr("Uploading");
    r.sent = 0;
    r.bytes = qMax<qint64>(0, transfer->byteCount());
    m_live.insert(row);
    // Its own finished (not the queue's transferFinished) also covers pause, which aborts it.
    connect(transfer, &bd::Operation::finished, this, [this, transfer] { onEnded(transfer); });
    markChanged(row);
    if (!m_refresh.isActive())
        m_refresh.start();
}

void TransferListModel::onEnded(TransferOperation *transfer)
{
    // Read now: the queue deletes the transfer right after it ends.
    const int row = m_rowOfKey.value(keyOf(transfer), -1);
    if (row < 0)
        return;
    Row &r = m_rows[row];
    r.bytes = qMax(r.bytes, transfer->byteCount());
    r.speed = 0;
    r.transfer = nullptr;
    m_live.remove(row);
    const Error &error = transfer->error();
    if (!error) {
        r.state = RowState::Done;
        r.sent = r.bytes;
        r.status = transfer->attempts() > 1 ? tr("Done after %n attempt(s)", nullptr, transfer->attempts()) : tr("Done");
    } else if (error.kind == ErrorKind::Cancelled) {
        r.state = RowState::Waiting;   // paused (a fresh copy starts on resume) or cancelled
        r.sent = 0;
        r.status = tr("Stopped");
    } else {
        r.state = RowState::Failed;
        r.status = tr("Failed: %1").arg(error.message);
    }
    markChanged(row);
}

void TransferListModel::closeUnfinished(const QString &status)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &r = m_rows[i];
        if (r.state == RowState::Running || r.state == RowState::Waiting) {
            r.state = RowState::Waiting;
            r.speed = 0;
            r.status = status;
            markChanged(i);
        }
    }
    m_live.clear();
    m_refresh.stop();
    flush();
}

void TransferListModel::readLive()
{
    for (const int i : std::as_const(m_live)) {
        Row &r = m_rows[i];
        if (!r.transfer || r.state != RowState::Running)
            continue;
        r.sent = r.transfer->processedAmount(bd::Operation::Unit::Bytes);
        r.bytes = qMax(r.bytes, r.transfer->byteCount());
        r.speed = r.transfer->speed();
        if (r.transfer->attempts() > 1)
            r.status = tr("Uploading (attempt %1 of %2)").arg(r.transfer->attempts()).arg(r.transfer->maxAttempts());
        markChanged(i);
    }
    if (m_live.isEmpty())
        m_refresh.stop();
}

void TransferListModel::markChanged(int row)
{
    if (row < m_announced) {
        m_dirtyFirst = m_dirtyFirst < 0 ? row : qMin(m_dirtyFirst, row);
        m_dirtyLast = qMax(m_dirtyLast, row);
    }
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void TransferListModel::flush()
{
    m_flushTimer.stop();
    if (m_dirtyFirst >= 0) {
        Q_EMIT dataChanged(index(m_dirtyFirst, 0), index(m_dirtyLast, ColumnCount - 1));
        ++m_updatesSent;
        m_dirtyFirst = m_dirtyLast = -1;
    }
    if (m_announced < m_rows.size()) {
        beginInsertRows({}, m_announced, int(m_rows.size()) - 1);
        m_announced = int(m_rows.size());
        endInsertRows();
        ++m_updatesSent;
    }
}

int TransferListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_announced;
}

int TransferListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TransferListModel::data(const QModelIndex &index, int role) const
{
    const Row *r = rowAt(index.row());
    if (!r || !index.isValid())
        return {};
    if (role == KeyRole)
        return r->key;
    if (role == Qt::ToolTipRole && index.column() == Status)
        return r->status;
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    const bool display = role == Qt::DisplayRole;
    switch (index.column()) {
    case Name:
        return r->name;
    case Kind:
        return r->kind;
    case Files:
        return r->files;
    case Size:
        return display ? QVariant(r->bytes > 0 ? formatBytes(r->bytes) : QString()) : QVariant(r->bytes);
    case Progress:
        if (!display)
            return r->percent();
        return r->percent() < 0 ? tr("Starting") : QStringLiteral("%1%").arg(r->percent());
    case Speed:
        return display ? QVariant(r->speed > 0 ? formatSpeed(r->speed) : QString()) : QVariant(r->speed);
    case Status:
        return r->status;
    default:
        return {};
    }
}

QVariant TransferListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Transfer");
    case Kind: return tr("Kind");
    case Files: return tr("Files");
    case Size: return tr("Size");
    case Progress: return tr("Progress");
    case Speed: return tr("Speed");
    case Status: return tr("Status");
    default: return {};
    }
}

int TransferListModel::rowOfKey(const QString &key) const
{
    const int row = m_rowOfKey.value(key, -1);
    return row < m_announced ? row : -1;
}

int TransferListModel::countIn(RowState state) const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cbegin() + m_announced,
                             [state](const Row &r) { return r.state == state; }));
}

}  // namespace bd::ui
