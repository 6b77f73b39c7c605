#pragma once
// Background index of a results file: the number of records and the file offset of every
// kPageRows-th record (a sparse index: 8 bytes per page, so a 1 GB file with 10 M rows needs about
// 1.2 MB). Filled by a QtConcurrent pass; read by the model on its own thread under the mutex.
#include <QMutex>
#include <QString>
#include <QVector>

#include <atomic>
#include <memory>

namespace bd {

struct ResultsIndex {
    static constexpr int kPageRows = 64;

    QMutex mutex;
    QVector<qint64> pageStarts;   // offset of record k * kPageRows (data records, header excluded)
    qint64 rows = 0;              // data records found so far
    qint64 bytesScanned = 0;
    QString error;                // set if the file could not be read
    std::atomic<bool> cancel{ false };
    std::atomic<bool> done{ false };

    // Scans the file from dataStart; skipFirst drops the CSV header record. Blocking.
    static void build(const std::shared_ptr<ResultsIndex> &index, const QString &path, qint64 dataStart,
                      bool csvQuotes, bool skipFirst);
};

}  // namespace bd
