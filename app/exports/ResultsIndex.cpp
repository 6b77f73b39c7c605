#include "exports/ResultsIndex.h"

#include "exports/CsvRecords.h"

#include <QFile>

namespace bd {

void ResultsIndex::build(const std::shared_ptr<ResultsIndex> &index, const QString &path, qint64 dataStart,
                         bool csvQuotes, bool skipFirst)
{
    constexpr qint64 kChunk = 1 << 20;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || !file.seek(dataStart)) {
        QMutexLocker lock(&index->mutex);
        index->error = file.errorString();
        index->done = true;
        return;
    }
    RecordSplitter splitter(csvQuotes);
    splitter.reset(dataStart);
    bool skip = skipFirst;
    qint64 rows = 0;
    QVector<qint64> newStarts;   // published in batches to keep the lock short
    auto sink = [&](qint64 start, qint64) {
        if (skip) {
            skip = false;
            return true;
        }
        if (rows % kPageRows == 0)
            newStarts << start;
        ++rows;
        return true;
    };
    auto publish = [&](qint64 scanned) {
        QMutexLocker lock(&index->mutex);
        index->pageStarts += newStarts;
        index->rows = rows;
        index->bytesScanned = scanned;
        newStarts.clear();
    };
    QByteArray buffer(kChunk, Qt::Uninitialized);
    qint64 offset = dataStart;
    while (!index->cancel.load()) {
        const qint64 n = file.read(buffer.data(), kChunk);
        if (n <= 0)
            break;
        splitter.feed(buffer.constData(), n, offset, sink);
        offset += n;
        publish(offset);
    }
    splitter.finish(offset, sink);
    publish(offset);
    index->done = true;
}

}  // namespace bd
