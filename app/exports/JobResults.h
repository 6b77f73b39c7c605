#pragma once
// A job's results as one table: every aggregated results file (one CSV / JSONL per task, in the
// part folders of the downloaded output batches) read as if it were one file, without loading it.
//
// JobResultsModel::open() returns at once. One background pass walks the files in order: for
// each it reads the header (CSV) and flattens its first kColumnSampleRecords records to learn the
// columns, then indexes its record offsets (ResultsIndex). Rows appear in file order while the
// pass runs; pages of 64 rows are parsed on demand and kept in a small LRU cache, so a job of
// thousands of files and millions of rows stays out of RAM and never blocks the window.
//
// Predictions are split into columns (ResultFlattening): nested objects become dotted columns
// (image.width), an array of objects becomes a count column plus one column per field with the
// values of every element ("predictions" = 2, "predictions.class" = "car; dog",
// "predictions.confidence" = "0.93; 0.71"); arrays nested deeper are summarised ("(12 items)").
// A CSV cell holding JSON (the "predictions" column of CSV aggregation) is flattened the same way.
#include "core/Error.h"
#include "exports/ResultsIndex.h"
#include "exports/ResultsTableModel.h"

#include <QCache>
#include <QFile>
#include <QFuture>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QSet>
#include <QStringList>
#include <QTimer>

#include <atomic>
#include <memory>

namespace bd {

namespace ResultFlattening {
using Cells = QVector<QPair<QString, QString>>;   // column -> text, in column order

// Separator of the values of one field across the elements of an array.
inline constexpr char kListSeparator[] = "; ";

// One JSONL record (a JSON object); keyOrder: its top-level keys in file order (else sorted).
Cells flattenObject(const QJsonObject &record, const QStringList &keyOrder = {});
// One CSV record; a cell that holds a JSON object or array is flattened under its column name.
Cells flattenCsv(const QStringList &header, const QStringList &fields);
// One raw record of a file: JSONL (an object; anything else is kept as a "Line" cell) or CSV.
Cells flattenRecord(const QByteArray &record, bool csv, const QStringList &csvHeader);
}  // namespace ResultFlattening

class JobResultsModel : public ResultsRowModel
{
    Q_OBJECT
public:
    // Records per file whose flattened columns are learnt before the file is indexed; a column
    // that first appears later is added when its page is read.
    static constexpr int kColumnSampleRecords = 200;

    explicit JobResultsModel(QObject *parent = nullptr);
    ~JobResultsModel() override;

    // Results files below `folder` (recursive; .jsonl, .csv; not our .export_log.jsonl), in natural
    // order (archives-2 before archives-10).
    // Blocking: run it off the GUI thread for a large folder.
    static QStringList findResultFiles(const QString &folder);

    // Shows these files as one table (column 0: the file, relative to baseFolder). Returns at once;
    // false (and *error) only when no file is given. A file that cannot be read adds no rows and
    // is listed by fileErrors().
    bool open(const QStringList &files, const QString &baseFolder = {}, Error *error = nullptr);
    void close();

    QStringList files() const { return m_paths; }
    QString baseFolder() const { return m_baseFolder; }
    // Column names; column 0 is the results file.
    QStringList columns() const;
    bool isIndexing() const override { return m_indexing; }
    qint64 indexedBytes() const { return m_indexedBytes; }
    qint64 totalBytes() const { return m_totalBytes; }
    // "path: reason" of every file that could not be read (so far).
    QStringList fileErrors() const { return m_fileErrors; }

    // The results file a row comes from.
    QString fileOfRow(int row) const;

    QStringList rowValues(int row) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void indexingProgress(qint64 bytesIndexed, qint64 totalBytes);
    void indexingFinished();

protected:
    void pollIndexing() override;

private:
    struct Scan;
    struct FileView {   // what the GUI thread needs to read a file's pages
        QString path;
        QString label;
        bool csv = false;
        QStringList header;
        std::shared_ptr<ResultsIndex> index;
    };
    using Page = QVector<QHash<QString, QString>>;

    void poll();
    void addColumns(const QStringList &names);
    void addLateColumns();
    int fileForRow(int row) const;
    const Page *page(int file, int pageNumber) const;

    QStringList m_paths;
    QString m_baseFolder;
    std::shared_ptr<Scan> m_scan;
    QFuture<void> m_worker;
    QTimer m_pollTimer;
    QVector<FileView> m_views;       // files whose header is known, in order
    QVector<int> m_firstRow;         // m_firstRow[k]: global row of file k's first record
    int m_openFile = 0;              // the first file whose index is not complete
    int m_rows = 0;
    QStringList m_dataColumns;       // after the file column
    QSet<QString> m_columnSet;
    mutable QStringList m_lateColumns;   // found while reading pages; added by a queued call
    qint64 m_totalBytes = 0;
    qint64 m_indexedBytes = 0;
    qint64 m_finishedBytes = 0;      // sizes of the files before m_openFile
    QStringList m_fileErrors;
    bool m_indexing = false;
    mutable QFile m_reader;              // the file of the last page read (GUI thread only)
    mutable QCache<qint64, Page> m_pages;
};

}  // namespace bd
