#include "exports/JobResults.h"

#include "exports/CsvRecords.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QtConcurrent>

#include <algorithm>

namespace bd {

// ---- flattening ----

namespace ResultFlattening {
namespace {

constexpr int kMaxListedScalars = 8;   // a longer array of plain values is summarised
constexpr int kMaxRawLine = 1000;

QString itemsSummary(qsizetype count)
{
    return count == 1 ? QStringLiteral("(1 item)") : QStringLiteral("(%1 items)").arg(count);
}

QString join(const QStringList &values)
{
    for (const QString &v : values)
        if (!v.isEmpty())
            return values.join(QLatin1String(kListSeparator));
    return {};   // nothing in any element: an empty cell rather than "; ; "
}

void flattenValue(const QString &path, const QJsonValue &value, Cells &out, int arrayDepth);

void flattenArray(const QString &path, const QJsonArray &array, Cells &out, int arrayDepth)
{
    if (arrayDepth > 0) {   // an array inside an array element: a count, not a column per value
        out.append({ path, itemsSummary(array.size()) });
        return;
    }
    const bool objects = !array.isEmpty()
                         && std::all_of(array.begin(), array.end(), [](const QJsonValue &v) { return v.isObject(); });
    if (!objects) {
        if (array.isEmpty()) {
            out.append({ path, QStringLiteral("0") });
        } else if (array.size() > kMaxListedScalars) {
            out.append({ path, itemsSummary(array.size()) });
        } else {
            QStringList values;
            for (const QJsonValue &v : array)
                values << (v.isArray() || v.isObject() ? itemsSummary(v.isArray() ? v.toArray().size() : 1) : jsonCellText(v));
            out.append({ path, values.join(QLatin1String(kListSeparator)) });
        }
        return;
    }
    // Array of objects (predictions): the count, then each field with every element's value,
    // position for position (an element without the field leaves its slot empty).
    out.append({ path, QString::number(array.size()) });
    QStringList order;
    QHash<QString, QStringList> values;
    for (qsizetype i = 0; i < array.size(); ++i) {
        Cells item;
        flattenValue(path, array.at(i), item, arrayDepth + 1);
        for (const auto &[column, text] : std::as_const(item)) {
            auto it = values.find(column);
            if (it == values.end()) {
                order << column;
                it = values.insert(column, QStringList());
            }
            while (it->size() < i)
                it->append(QString());
            it->append(text);
        }
    }
    for (const QString &column : std::as_const(order)) {
        QStringList &list = values[column];
        while (list.size() < array.size())
            list.append(QString());
        out.append({ column, join(list) });
    }
}

void flattenValue(const QString &path, const QJsonValue &value, Cells &out, int arrayDepth)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.isEmpty() && !path.isEmpty())
            out.append({ path, QString() });
        for (auto it = object.begin(); it != object.end(); ++it)
            flattenValue(path.isEmpty() ? it.key() : path + QLatin1Char('.') + it.key(), it.value(), out, arrayDepth);
    } else if (value.isArray()) {
        flattenArray(path, value.toArray(), out, arrayDepth);
    } else {
        out.append({ path, jsonCellText(value) });
    }
}

}  // namespace

Cells flattenObject(const QJsonObject &record, const QStringList &keyOrder)
{
    Cells out;
    QStringList keys = keyOrder;
    for (const QString &key : record.keys())   // keys the order missed (or no order given)
        if (!keys.contains(key))
            keys << key;
    for (const QString &key : std::as_const(keys)) {
        const auto it = record.constFind(key);
        if (it != record.constEnd())
            flattenValue(key, it.value(), out, 0);
    }
    return out;
}

Cells flattenCsv(const QStringList &header, const QStringList &fields)
{
    Cells out;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        const QString column = i < header.size() ? header.at(i) : QStringLiteral("Column %1").arg(i + 1);
        const QString &text = fields.at(i);
        const QStringView trimmed = QStringView(text).trimmed();
        if (trimmed.startsWith(QLatin1Char('{')) || trimmed.startsWith(QLatin1Char('['))) {
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &parseError);
            if (parseError.error == QJsonParseError::NoError) {
                flattenValue(column, doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object()), out, 0);
                continue;
            }
        }
        out.append({ column, text });
    }
    return out;
}

Cells flattenRecord(const QByteArray &record, bool csv, const QStringList &csvHeader)
{
    if (csv)
        return flattenCsv(csvHeader, parseCsvRecord(record));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(record, &parseError);
    if (!doc.isObject())   // not an object (or broken JSON): keep the line visible
        return { { QStringLiteral("Line"), QString::fromUtf8(record.left(kMaxRawLine)) } };
    return flattenObject(doc.object(), jsonTopLevelKeys(record));
}

}  // namespace ResultFlattening

// ---- the background pass ----

namespace {
constexpr int kPollMs = 50;
constexpr int kCachedPages = 256;   // 16k rows
constexpr qint64 kMaxHeaderBytes = 16 << 20;
}  // namespace

struct JobResultsModel::Scan {
    struct File {
        QString path;
        bool started = false;   // header read, columns sampled: the index may grow
        bool csv = false;
        qint64 dataStart = 0;
        QStringList header;
        QString error;
        std::shared_ptr<ResultsIndex> index = std::make_shared<ResultsIndex>();
    };
    QMutex mutex;             // guards File fields except index, and columns
    QVector<File> files;      // fixed size once the pass starts
    QStringList columns;      // data columns in order of discovery
    std::atomic<bool> cancel{ false };

    void run();
    void prepare(int i);
};

void JobResultsModel::Scan::prepare(int i)
{
    File &shared = files[i];
    QFile file(shared.path);
    QString error;
    bool csv = false;
    qint64 dataStart = 0;
    QStringList header;
    QStringList found;
    if (!file.open(QIODevice::ReadOnly)) {
        error = file.errorString();
    } else {
        const QByteArray head = file.peek(4096);
        dataStart = head.startsWith("\xEF\xBB\xBF") ? 3 : 0;
        const QString suffix = QFileInfo(shared.path).suffix().toLower();
        csv = suffix == QLatin1String("csv")
              || (suffix != QLatin1String("jsonl") && !head.mid(dataStart).trimmed().startsWith('{'));
        bool ok = true;
        if (csv) {
            ok = readRecords(file, dataStart, true, [&](const QByteArray &record) {
                header = parseCsvRecord(record);
                return false;
            }, kMaxHeaderBytes);
            for (qsizetype c = 0; c < header.size(); ++c)
                if (header[c].isEmpty())
                    header[c] = QStringLiteral("Column %1").arg(c + 1);
        }
        if (!ok) {
            error = QStringLiteral("no CSV header line in the first %1 MB").arg(kMaxHeaderBytes >> 20);
        } else {
            int sampled = 0;
            bool skip = csv;   // the header record
            readRecords(file, dataStart, csv, [&](const QByteArray &record) {
                if (skip) {
                    skip = false;
                    return true;
                }
                for (const auto &cell : ResultFlattening::flattenRecord(record, csv, header))
                    if (!found.contains(cell.first))
                        found << cell.first;
                return ++sampled < kColumnSampleRecords && !cancel.load();
            }, kMaxHeaderBytes);
        }
    }
    QMutexLocker lock(&mutex);
    shared.csv = csv;
    shared.dataStart = dataStart;
    shared.header = header;
    shared.error = error;
    shared.started = true;
    for (const QString &column : std::as_const(found))
        if (!columns.contains(column))
            columns << column;
}

void JobResultsModel::Scan::run()
{
    for (int i = 0; i < files.size() && !cancel.load(); ++i) {
        prepare(i);
        QString path;
        qint64 dataStart;
        bool csv;
        QString error;
        {
            QMutexLocker lock(&mutex);
            path = files[i].path;
            dataStart = files[i].dataStart;
            csv = files[i].csv;
            error = files[i].error;
        }
        if (!error.isEmpty()) {
            QMutexLocker lock(&files[i].index->mutex);
            files[i].index->error = error;
            files[i].index->done = true;
            continue;
        }
        ResultsIndex::build(files[i].index, path, dataStart, csv, csv);
    }
    // Files never reached (cancelled) count as done with nothing in them.
    for (File &f : files)
        f.index->done = true;
}

// ---- the model ----

JobResultsModel::JobResultsModel(QObject *parent) : ResultsRowModel(parent)
{
    m_pages.setMaxCost(kCachedPages);
    m_pollTimer.setInterval(kPollMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &JobResultsModel::poll);
}

JobResultsModel::~JobResultsModel()
{
    close();
}

QStringList JobResultsModel::findResultFiles(const QString &folder)
{
    QStringList files;
    QDirIterator it(folder, { QStringLiteral("*.jsonl"), QStringLiteral("*.csv") }, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (!path.endsWith(QLatin1String(".export_log.jsonl")))   // our own bookkeeping, not results
            files << path;
    }
    // Natural order: archives-2 before archives-10 (QCollator's numeric mode does nothing in
    // the C locale, so digit runs are compared here).
    std::sort(files.begin(), files.end(), [](const QString &a, const QString &b) {
        qsizetype i = 0, j = 0;
        while (i < a.size() && j < b.size()) {
            if (a.at(i).isDigit() && b.at(j).isDigit()) {
                qsizetype ie = i, je = j;
                while (ie < a.size() && a.at(ie).isDigit())
                    ++ie;
                while (je < b.size() && b.at(je).isDigit())
                    ++je;
                const QStringView da = QStringView(a).sliced(i, ie - i), db = QStringView(b).sliced(j, je - j);
                qsizetype za = 0, zb = 0;   // leading zeros do not make a number larger
                while (za + 1 < da.size() && da.at(za) == QLatin1Char('0'))
                    ++za;
                while (zb + 1 < db.size() && db.at(zb) == QLatin1Char('0'))
                    ++zb;
                const QStringView na = da.sliced(za), nb = db.sliced(zb);
                if (na.size() != nb.size())
                    return na.size() < nb.size();
                if (const int c = na.compare(nb); c != 0)
                    return c < 0;
                i = ie;
                j = je;
                continue;
            }
            if (a.at(i) != b.at(j))
                return a.at(i) < b.at(j);
            ++i;
            ++j;
        }
        return a.size() - i < b.size() - j;
    });
    return files;
}

void JobResultsModel::close()
{
    if (m_scan) {
        m_scan->cancel = true;
        for (Scan::File &f : m_scan->files)
            f.index->cancel = true;
    }
    m_worker.waitForFinished();
    m_pollTimer.stop();
    beginResetModel();
    m_scan.reset();
    m_paths.clear();
    m_baseFolder.clear();
    m_views.clear();
    m_firstRow.clear();
    m_openFile = 0;
    m_rows = 0;
    m_dataColumns.clear();
    m_columnSet.clear();
    m_lateColumns.clear();
    m_totalBytes = m_indexedBytes = m_finishedBytes = 0;
    m_fileErrors.clear();
    m_indexing = false;
    m_pages.clear();
    m_reader.close();
    endResetModel();
}

bool JobResultsModel::open(const QStringList &files, const QString &baseFolder, Error *error)
{
    close();
    if (files.isEmpty()) {
        if (error)
            *error = Error(ErrorKind::InvalidInput, tr("No results files to show"));
        return false;
    }
    beginResetModel();
    m_paths = files;
    m_baseFolder = baseFolder;
    m_scan = std::make_shared<Scan>();
    m_scan->files.resize(files.size());
    for (qsizetype i = 0; i < files.size(); ++i) {
        m_scan->files[i].path = files.at(i);
        m_totalBytes += QFileInfo(files.at(i)).size();
    }
    m_firstRow.fill(0, files.size() + 1);
    m_indexing = true;
    endResetModel();
    auto scan = m_scan;
    m_worker = QtConcurrent::run([scan] { scan->run(); });
    m_pollTimer.start();
    return true;
}

QStringList JobResultsModel::columns() const
{
    return QStringList{ tr("Results file") } + m_dataColumns;
}

void JobResultsModel::addColumns(const QStringList &names)
{
    QStringList fresh;
    for (const QString &name : names)
        if (!m_columnSet.contains(name) && !fresh.contains(name))
            fresh << name;
    if (fresh.isEmpty())
        return;
    const int first = 1 + int(m_dataColumns.size());
    beginInsertColumns({}, first, first + int(fresh.size()) - 1);
    m_dataColumns += fresh;
    for (const QString &name : std::as_const(fresh))
        m_columnSet.insert(name);
    endInsertColumns();
}

void JobResultsModel::addLateColumns()
{
    const QStringList late = std::exchange(m_lateColumns, {});
    addColumns(late);
}

void JobResultsModel::poll()
{
    if (!m_scan)
        return;
    QStringList columns;
    {
        QMutexLocker lock(&m_scan->mutex);
        columns = m_scan->columns.mid(0);
        while (m_views.size() < m_scan->files.size() && m_scan->files[m_views.size()].started) {
            const Scan::File &f = m_scan->files[m_views.size()];
            FileView view;
            view.path = f.path;
            view.label = QDir::toNativeSeparators(m_baseFolder.isEmpty() ? QFileInfo(f.path).fileName()
                                                                         : QDir(m_baseFolder).relativeFilePath(f.path));
            view.csv = f.csv;
            view.header = f.header;
            view.index = f.index;
            m_views << view;
        }
    }
    addColumns(columns);

    // Files are indexed one after the other: rows of file k follow all rows of files before it.
    qint64 total = m_firstRow[m_openFile];
    qint64 scannedInOpen = 0;
    while (m_openFile < m_views.size()) {
        const FileView &view = m_views[m_openFile];
        qint64 rows;
        QString indexError;
        {
            QMutexLocker lock(&view.index->mutex);
            rows = view.index->rows;
            scannedInOpen = view.index->bytesScanned;
            indexError = view.index->error;
        }
        const bool done = view.index->done.load();
        total = m_firstRow[m_openFile] + rows;
        if (!done)
            break;
        if (!indexError.isEmpty())
            m_fileErrors << QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(view.path), indexError);
        m_finishedBytes += QFileInfo(view.path).size();
        scannedInOpen = 0;
        ++m_openFile;
        m_firstRow[m_openFile] = int(qMin<qint64>(total, std::numeric_limits<int>::max()));
    }
    total = qMin<qint64>(total, std::numeric_limits<int>::max());
    if (total > m_rows) {
        beginInsertRows({}, m_rows, int(total) - 1);
        m_rows = int(total);
        endInsertRows();
    }
    m_indexedBytes = qMin(m_totalBytes, m_finishedBytes + scannedInOpen);
    Q_EMIT indexingProgress(m_indexedBytes, m_totalBytes);
    if (m_openFile >= m_paths.size() && m_indexing) {
        m_indexing = false;
        m_pollTimer.stop();
        Q_EMIT indexingFinished();
    }
}

void JobResultsModel::pollIndexing()
{
    poll();
}

int JobResultsModel::fileForRow(int row) const
{
    if (row < 0 || row >= m_rows)
        return -1;
    const int known = qMin<int>(m_openFile + 1, int(m_views.size()));
    const auto begin = m_firstRow.begin();
    const auto it = std::upper_bound(begin, begin + known, row);
    return int(it - begin) - 1;
}

QString JobResultsModel::fileOfRow(int row) const
{
    const int file = fileForRow(row);
    return file >= 0 ? m_views.at(file).path : QString();
}

const JobResultsModel::Page *JobResultsModel::page(int file, int pageNumber) const
{
    const qint64 key = (qint64(file) << 32) | qint64(pageNumber);
    if (Page *cached = m_pages.object(key))
        return cached;
    const FileView &view = m_views.at(file);
    qint64 start;
    {
        QMutexLocker lock(&view.index->mutex);
        if (pageNumber >= view.index->pageStarts.size())
            return nullptr;
        start = view.index->pageStarts.at(pageNumber);
    }
    if (m_reader.fileName() != view.path || !m_reader.isOpen()) {
        m_reader.close();
        m_reader.setFileName(view.path);
        if (!m_reader.open(QIODevice::ReadOnly))
            return nullptr;
    }
    auto *p = new Page;
    p->reserve(ResultsIndex::kPageRows);
    bool newColumns = false;
    readRecords(m_reader, start, view.csv, [&](const QByteArray &record) {
        QHash<QString, QString> row;
        for (const auto &[column, text] : ResultFlattening::flattenRecord(record, view.csv, view.header)) {
            row.insert(column, text);
            if (!m_columnSet.contains(column) && !m_lateColumns.contains(column)) {
                m_lateColumns << column;
                newColumns = true;
            }
        }
        p->append(std::move(row));
        return p->size() < ResultsIndex::kPageRows;
    });
    if (newColumns)   // not from inside data(): views do not expect columns to change there
        QMetaObject::invokeMethod(const_cast<JobResultsModel *>(this), &JobResultsModel::addLateColumns, Qt::QueuedConnection);
    m_pages.insert(key, p);
    return p;
}

QStringList JobResultsModel::rowValues(int row) const
{
    const int file = fileForRow(row);
    if (file < 0)
        return {};
    const int local = row - m_firstRow.at(file);
    const Page *p = page(file, local / ResultsIndex::kPageRows);
    const int inPage = local % ResultsIndex::kPageRows;
    QStringList values;
    values.reserve(1 + m_dataColumns.size());
    values << m_views.at(file).label;
    if (!p || inPage >= p->size()) {
        for (qsizetype c = 0; c < m_dataColumns.size(); ++c)
            values << QString();
        return values;
    }
    const QHash<QString, QString> &cells = p->at(inPage);
    for (const QString &column : m_dataColumns)
        values << cells.value(column);
    return values;
}

int JobResultsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int JobResultsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_scan ? 0 : 1 + int(m_dataColumns.size());
}

QVariant JobResultsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows || index.column() > m_dataColumns.size())
        return {};
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != RawValueRole)
        return {};
    const QString text = rowValues(index.row()).value(index.column());
    if (role == Qt::ToolTipRole && index.column() == 0)
        return QDir::toNativeSeparators(fileOfRow(index.row()));
    return role == RawValueRole ? rawValue(text) : QVariant(text);
}

QVariant JobResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical)
        return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
    if (section < 0 || section > m_dataColumns.size())
        return {};
    if (role == Qt::DisplayRole)
        return section == 0 ? tr("Results file") : m_dataColumns.at(section - 1);
    if (role == Qt::ToolTipRole) {
        if (section == 0)
            return tr("The task's results file this row comes from");
        const QString name = m_dataColumns.at(section - 1);
        for (const QString &other : m_dataColumns)
            if (other.startsWith(name + QLatin1Char('.')))
                return tr("%1: number of entries; the %1.… columns list each entry's value, separated by “;”").arg(name);
        return name;
    }
    return {};
}

}  // namespace bd
