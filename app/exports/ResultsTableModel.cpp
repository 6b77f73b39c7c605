#include "exports/ResultsTableModel.h"

#include "exports/CsvRecords.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QCoreApplication>
#include <QtConcurrent>

#include <cmath>

namespace bd {

namespace {
constexpr int kPollMs = 50;
constexpr int kCachedPages = 256;          // 16k rows
constexpr qint64 kMaxHeaderBytes = 16 << 20;

}  // namespace

ResultsTableModel::ResultsTableModel(QObject *parent) : ResultsRowModel(parent)
{
    m_pages.setMaxCost(kCachedPages);
    m_pollTimer.setInterval(kPollMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &ResultsTableModel::pollIndex);
}

ResultsTableModel::~ResultsTableModel()
{
    close();
}

void ResultsTableModel::close()
{
    if (m_index)
        m_index->cancel = true;
    m_indexer.waitForFinished();
    m_pollTimer.stop();
    beginResetModel();
    m_index.reset();
    m_pages.clear();
    m_file.close();
    m_columns.clear();
    m_rows = 0;
    m_indexing = false;
    m_path.clear();
    endResetModel();
}

bool ResultsTableModel::open(const QString &path, Format format, Error *error)
{
    close();
    beginResetModel();
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = Error(ErrorKind::Io, tr("Cannot open %1: %2").arg(path, m_file.errorString()));
        endResetModel();
        return false;
    }
    m_path = path;
    m_fileSize = m_file.size();
    const QByteArray head = m_file.peek(4096);
    m_dataStart = head.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    if (format == Format::Auto) {
        const QString suffix = QFileInfo(path).suffix().toLower();
        if (suffix == QLatin1String("csv"))
            format = Format::Csv;
        else if (suffix == QLatin1String("jsonl") || suffix == QLatin1String("ndjson") || suffix == QLatin1String("json"))
            format = Format::Jsonl;
        else
            format = head.mid(m_dataStart).trimmed().startsWith('{') ? Format::Jsonl : Format::Csv;
    }
    m_format = format;
    const bool ok = m_format == Format::Csv ? readCsvHeader(error) : sampleJsonlColumns(error);
    if (!ok) {
        m_file.close();
        m_path.clear();
        endResetModel();
        return false;
    }
    m_index = std::make_shared<ResultsIndex>();
    m_indexing = true;
    endResetModel();

    auto index = m_index;
    const bool csv = m_format == Format::Csv;
    const qint64 start = m_dataStart;
    m_indexer = QtConcurrent::run([index, path, start, csv] { ResultsIndex::build(index, path, start, csv, csv); });
    m_pollTimer.start();
    return true;
}

bool ResultsTableModel::readCsvHeader(Error *error)
{
    QStringList header;
    const bool ok = readRecords(m_file, m_dataStart, true, [&](const QByteArray &record) {
        header = parseCsvRecord(record);
        return false;
    }, kMaxHeaderBytes);
    if (!ok) {
        if (error)
            *error = Error(ErrorKind::InvalidInput,
                           tr("%1 does not look like a CSV file (no header line in the first %2 MB)")
                               .arg(m_path).arg(kMaxHeaderBytes >> 20));
        return false;
    }
    if (header.isEmpty())
        return true;   // an empty file is a table without columns, not an error
    for (int i = 0; i < header.size(); ++i) {
        if (header[i].isEmpty())
            header[i] = tr("Column %1").arg(i + 1);
    }
    m_columns = header;
    return true;
}

bool ResultsTableModel::sampleJsonlColumns(Error *error)
{
    Q_UNUSED(error);
    int sampled = 0;
    readRecords(m_file, m_dataStart, false, [&](const QByteArray &record) {
        if (QJsonDocument::fromJson(record).isObject()) {
            for (const QString &key : jsonTopLevelKeys(record)) {
                if (!m_columns.contains(key))
                    m_columns << key;
            }
        }
        return ++sampled < kJsonlColumnSampleLines;
    }, kMaxHeaderBytes);
    if (m_columns.isEmpty() && sampled > 0)
        m_columns << tr("Line");   // no objects at all: show the raw lines
    return true;
}

qint64 ResultsTableModel::indexedBytes() const
{
    if (!m_index)
        return 0;
    QMutexLocker lock(&m_index->mutex);
    return m_index->bytesScanned;
}

void ResultsTableModel::pollIndex()
{
    if (!m_index)
        return;
    qint64 rows;
    qint64 scanned;
    {
        QMutexLocker lock(&m_index->mutex);
        rows = qMin<qint64>(m_index->rows, std::numeric_limits<int>::max());
        scanned = m_index->bytesScanned;
    }
    const bool done = m_index->done.load();
    if (rows > m_rows) {
        beginInsertRows({}, m_rows, int(rows) - 1);
        m_rows = int(rows);
        endInsertRows();
    }
    Q_EMIT indexingProgress(scanned, m_fileSize);
    if (done && m_indexing) {
        m_indexing = false;
        m_pollTimer.stop();
        Q_EMIT indexingFinished();
    }
}

void ResultsTableModel::pollIndexing()
{
    if (m_index && m_index->done.load())
        pollIndex();
}

bool ResultsRowModel::waitForIndex(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (isIndexing() && timer.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, kPollMs);
        pollIndexing();
    }
    return !isIndexing();
}

QStringList ResultsTableModel::cellsOf(const QByteArray &record) const
{
    if (m_format == Format::Csv)
        return parseCsvRecord(record);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(record, &parseError);
    QStringList cells;
    if (!doc.isObject()) {
        // Not an object (or broken JSON): keep the line visible rather than hiding it.
        cells << QString::fromUtf8(record.left(1000));
        return cells;
    }
    const QJsonObject obj = doc.object();
    cells.reserve(m_columns.size());
    for (const QString &column : m_columns)
        cells << jsonCellText(obj.value(column));
    return cells;
}

const ResultsTableModel::Page *ResultsTableModel::page(int pageNumber) const
{
    if (Page *cached = m_pages.object(pageNumber))
        return cached;
    qint64 start;
    {
        QMutexLocker lock(&m_index->mutex);
        if (pageNumber >= m_index->pageStarts.size())
            return nullptr;
        start = m_index->pageStarts.at(pageNumber);
    }
    auto *p = new Page;
    p->reserve(ResultsIndex::kPageRows);
    readRecords(m_file, start, m_format == Format::Csv, [&](const QByteArray &record) {
        p->append(cellsOf(record));
        return p->size() < ResultsIndex::kPageRows;
    });
    m_pages.insert(pageNumber, p);
    return p;
}

QStringList ResultsTableModel::rowValues(int row) const
{
    if (row < 0 || row >= m_rows || !m_index)
        return {};
    const Page *p = page(row / ResultsIndex::kPageRows);
    const int inPage = row % ResultsIndex::kPageRows;
    if (!p || inPage >= p->size())
        return {};
    return p->at(inPage);
}

QVariant ResultsRowModel::rawValue(const QString &text)
{
    bool ok = false;
    const double d = text.trimmed().toDouble(&ok);
    if (ok && std::isfinite(d))
        return d;
    // A summarised list ("0.93; 0.71", one value per prediction) sorts by its first value.
    const qsizetype separator = text.indexOf(QLatin1String("; "));
    if (separator > 0) {
        const double first = QStringView(text).left(separator).trimmed().toDouble(&ok);
        if (ok && std::isfinite(first))
            return first;
    }
    return text;
}

int ResultsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int ResultsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant ResultsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows || index.column() >= m_columns.size())
        return {};
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != RawValueRole)
        return {};
    const QStringList cells = rowValues(index.row());
    const QString text = index.column() < cells.size() ? cells.at(index.column()) : QString();
    return role == RawValueRole ? rawValue(text) : QVariant(text);
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Horizontal)
        return section < m_columns.size() ? QVariant(m_columns.at(section)) : QVariant();
    return section + 1;
}

}  // namespace bd
