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
    m_refresh.setInterval(250);
    connect(&m_refresh, &QTimer::timeout, this, &TransferListModel::readLive);
}

void TransferListModel::watch(staging::UploadQueue *queue)
{
    connect(queue, &staging::UploadQueue::transferStarted, this, &TransferListModel::onStarted);
}

void TransferListModel::onStarted(TransferOperation *transfer)
{
    const QString key = keyOf(transfer);
    int row = rowOfKey(key);
    if (row < 0) {
        Row r;
        r.key = key;
        describe(transfer, &r.name, &r.kind);
        r.files = transfer->fileCount();
        row = int(m_rows.size());
        beginInsertRows({}, row, row);
        m_rows.append(r);
        endInsertRows();
    }
    Row &r = m_rows[row];
    r.transfer = transfer;
    r.state = RowState::Running;
    r.status = tr("Uploading");
    r.sent = 0;
    r.bytes = qMax<qint64>(0, transfer->byteCount());
    // Its own finished (not the queue's transferFinished) also covers pause, which aborts it.
    connect(transfer, &bd::Operation::finished, this, [this, transfer] { onEnded(transfer); });
    emitRowChanged(row);
    if (!m_refresh.isActive())
        m_refresh.start();
}

void TransferListModel::onEnded(TransferOperation *transfer)
{
    const int row = rowOfKey(keyOf(transfer));
    if (row < 0)
        return;
    Row &r = m_rows[row];
    r.bytes = qMax(r.bytes, transfer->byteCount());
    r.speed = 0;
    r.transfer = nullptr;
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
    emitRowChanged(row);
}

void TransferListModel::closeUnfinished(const QString &status)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &r = m_rows[i];
        if (r.state == RowState::Running || r.state == RowState::Waiting) {
            r.state = RowState::Waiting;
            r.speed = 0;
            r.status = status;
            emitRowChanged(i);
        }
    }
    m_refresh.stop();
}

void TransferListModel::readLive()
{
    bool anyLive = false;
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &r = m_rows[i];
        if (!r.transfer || r.state != RowState::Running)
            continue;
        anyLive = true;
        r.sent = r.transfer->processedAmount(bd::Operation::Unit::Bytes);
        r.bytes = qMax(r.bytes, r.transfer->byteCount());
        r.speed = r.transfer->speed();
        if (r.transfer->attempts() > 1)
            r.status = tr("Uploading (attempt %1 of %2)").arg(r.transfer->attempts()).arg(r.transfer->maxAttempts());
        emitRowChanged(i);
    }
    if (!anyLive)
        m_refresh.stop();
}

void TransferListModel::emitRowChanged(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int TransferListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
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
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).key == key)
            return i;
    return -1;
}

int TransferListModel::countIn(RowState state) const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [state](const Row &r) { return r.state == state; }));
}

}  // namespace bd::ui
