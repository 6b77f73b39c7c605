#pragma once
// ResultsTableModel: a read-only table over an aggregated results file (CSV with a header row, or
// JSONL) that never loads the file. open() reads only the header (CSV) or the first lines (JSONL,
// for the column set) and returns; a QtConcurrent pass indexes record offsets while rows are
// already shown (rowsInserted as the index grows). Rows are parsed on demand, 64 at a time, and
// kept in a small LRU cache, so a 1 GB file opens at once and stays out of RAM.
#include "core/Error.h"
#include "exports/ResultsIndex.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QFile>
#include <QFuture>
#include <QStringList>
#include <QTimer>

#include <memory>

namespace bd {

// A results table whose rows can be read whole (one page lookup instead of one per cell):
// ResultsFilterProxy filters and sorts any of them in one sequential pass.
class ResultsRowModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    // Qt::UserRole: the cell as a double when it is a number, else its text (for sorting).
    enum Role { RawValueRole = Qt::UserRole };
    using QAbstractTableModel::QAbstractTableModel;

    // The display text of every column of one row.
    virtual QStringList rowValues(int row) const = 0;
    // Text -> double when the whole (trimmed) text is a finite number, or when it is a list
    // "a; b; …" whose first value is one (it sorts by that); else the text itself.
    static QVariant rawValue(const QString &text);

    virtual bool isIndexing() const = 0;
    // Blocks (processing events) until indexing is complete; false on timeout. For tests and tools.
    bool waitForIndex(int timeoutMs = 60000);

protected:
    // Take in what the background indexer found so far (waitForIndex calls it between events).
    virtual void pollIndexing() = 0;
};

class ResultsTableModel : public ResultsRowModel
{
    Q_OBJECT
public:
    enum class Format { Auto, Csv, Jsonl };
    Q_ENUM(Format)

    // JSONL columns: the union of the top-level keys of this many first lines.
    static constexpr int kJsonlColumnSampleLines = 1000;

    explicit ResultsTableModel(QObject *parent = nullptr);
    ~ResultsTableModel() override;

    // Opens the file (Auto: by suffix, else by the first character). Returns once the columns
    // are known; rows arrive while the background index grows.
    bool open(const QString &path, Format format = Format::Auto, Error *error = nullptr);
    void close();

    QString path() const { return m_path; }
    Format format() const { return m_format; }
    QStringList columns() const { return m_columns; }
    bool isIndexing() const override { return m_indexing; }
    // Bytes indexed so far and the file size, for a progress bar.
    qint64 indexedBytes() const;
    qint64 fileSize() const { return m_fileSize; }

    QStringList rowValues(int row) const override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void indexingProgress(qint64 bytesIndexed, qint64 fileSize);
    void indexingFinished();

protected:
    void pollIndexing() override;

private:
    using Page = QVector<QStringList>;
    void pollIndex();
    const Page *page(int pageNumber) const;
    QStringList cellsOf(const QByteArray &record) const;
    bool readCsvHeader(Error *error);
    bool sampleJsonlColumns(Error *error);

    QString m_path;
    Format m_format = Format::Csv;
    QStringList m_columns;
    qint64 m_fileSize = 0;
    qint64 m_dataStart = 0;   // after a UTF-8 BOM
    int m_rows = 0;
    bool m_indexing = false;
    std::shared_ptr<ResultsIndex> m_index;
    QFuture<void> m_indexer;
    QTimer m_pollTimer;
    mutable QFile m_file;                 // reader for on-demand pages (this thread only)
    mutable QCache<int, Page> m_pages;    // LRU of parsed pages
};

}  // namespace bd
