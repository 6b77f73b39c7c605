#include "sandbox/JobResults.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <archive.h>
#include <archive_entry.h>

#include <cmath>
#include <iterator>
#include <memory>

namespace bd::sandbox {

namespace {

constexpr qint64 kDigestLimit = 16LL * 1024 * 1024;   // bounds the work done under the service lock
constexpr qint64 kArchiveMtime = 1700000000;   // fixed, so archives are reproducible
const char *const kClasses[] = { "car", "person", "bicycle", "dog", "cat", "truck", "bus", "traffic-light" };

struct Prediction {
    QString cls;
    double confidence;
    int x, y, width, height;
};

// Up to three fake detections, every number taken from the digest bytes.
QVector<Prediction> predictionsFor(const QByteArray &digest)
{
    auto byte = [&](int i) { return int(quint8(digest.at(i % digest.size()))); };
    QVector<Prediction> out;
    const int count = byte(0) % 4;
    for (int k = 0; k < count; ++k) {
        const int b = 1 + k * 6;
        Prediction p;
        p.cls = QLatin1String(kClasses[byte(b) % int(std::size(kClasses))]);
        // Whole thousandths divided once, so the JSON shows 0.93 rather than 0.9299999999999999.
        p.confidence = double(500 + (byte(b + 1) * 490) / 255) / 1000.0;   // 0.500 .. 0.990
        p.x = (byte(b + 2) * 640) / 256;
        p.y = (byte(b + 3) * 480) / 256;
        p.width = 16 + byte(b + 4) % 240;
        p.height = 16 + byte(b + 5) % 240;
        out.append(p);
    }
    return out;
}

QJsonArray predictionsJson(const QVector<Prediction> &predictions)
{
    QJsonArray a;
    for (const Prediction &p : predictions)
        a.append(QJsonObject{ { QStringLiteral("class"), p.cls },
                              { QStringLiteral("confidence"), p.confidence },
                              { QStringLiteral("x"), p.x },
                              { QStringLiteral("y"), p.y },
                              { QStringLiteral("width"), p.width },
                              { QStringLiteral("height"), p.height } });
    return a;
}

QByteArray csvField(const QString &text)
{
    QByteArray v = text.toUtf8();
    if (v.contains(',') || v.contains('"') || v.contains('\n') || v.contains('\r')) {
        v.replace("\"", "\"\"");
        v = '"' + v + '"';
    }
    return v;
}

QString resultsFileName(const SimTask &task, const QString &format)
{
    return task.taskId + (format == QLatin1String("csv") ? QStringLiteral(".csv") : QStringLiteral(".jsonl"));
}

OutputFile taskResults(const JobRecord &record, const SimTask &task, const QString &format)
{
    QVector<JobInputFile> slice = record.inputs.mid(task.first, task.count);
    ensureDigests(slice);
    OutputFile f;
    f.fileName = resultsFileName(task, format);
    f.data = resultsFile(slice, format);
    f.contentType = format == QLatin1String("csv") ? QStringLiteral("text/csv") : QStringLiteral("application/jsonl");
    return f;
}

struct ArchiveDeleter {
    void operator()(archive *a) const { archive_write_free(a); }
};

la_ssize_t appendToByteArray(archive *, void *client, const void *buffer, size_t length)
{
    static_cast<QByteArray *>(client)->append(static_cast<const char *>(buffer), qsizetype(length));
    return la_ssize_t(length);
}

}  // namespace

QString inputDigest(const JobInputFile &file)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QFile f(file.path);
    if (!file.path.isEmpty() && f.open(QIODevice::ReadOnly)) {
        qint64 remaining = kDigestLimit;
        while (remaining > 0) {
            const QByteArray chunk = f.read(qMin<qint64>(remaining, 1 << 20));
            if (chunk.isEmpty())
                break;
            hash.addData(chunk);
            remaining -= chunk.size();
        }
    } else {
        hash.addData(QStringLiteral("%1:%2").arg(file.fileName).arg(file.size).toUtf8());
    }
    return QString::fromLatin1(hash.result().toHex());
}

void ensureDigests(QVector<JobInputFile> &inputs)
{
    for (JobInputFile &f : inputs)
        if (f.sha256.isEmpty())
            f.sha256 = inputDigest(f);
}

QByteArray resultsFile(const QVector<JobInputFile> &inputs, const QString &format)
{
    const bool csv = format == QLatin1String("csv");
    QByteArray out;
    if (csv)
        out += "image,size,sha256,predictions_count,top_class,top_confidence,predictions\n";
    for (const JobInputFile &f : inputs) {
        const QVector<Prediction> predictions = predictionsFor(QByteArray::fromHex(f.sha256.toLatin1()).leftJustified(32, '\0'));
        const QJsonArray predictionArray = predictionsJson(predictions);
        if (csv) {
            const Prediction *top = nullptr;
            for (const Prediction &p : predictions)
                if (!top || p.confidence > top->confidence)
                    top = &p;
            out += csvField(f.fileName) + ',' + QByteArray::number(f.size) + ',' + f.sha256.toLatin1() + ','
                + QByteArray::number(predictions.size()) + ',' + (top ? top->cls.toUtf8() : QByteArray()) + ','
                + (top ? QByteArray::number(top->confidence) : QByteArray()) + ','
                + csvField(QString::fromUtf8(QJsonDocument(predictionArray).toJson(QJsonDocument::Compact))) + '\n';
        } else {
            const QJsonObject row{ { QStringLiteral("image"), f.fileName },
                                   { QStringLiteral("size"), double(f.size) },
                                   { QStringLiteral("sha256"), f.sha256 },
                                   { QStringLiteral("predictions"), predictionArray } };
            out += QJsonDocument(row).toJson(QJsonDocument::Compact) + '\n';
        }
    }
    return out;
}

QVector<OutputPart> processingOutput(const JobRecord &record, const SimStage &processing, const QString &format)
{
    OutputPart part;
    part.partName = QStringLiteral("results");
    part.contentType = QStringLiteral("metadata");
    part.description = QStringLiteral("Aggregated workflow results, one file per task (%1)")
                           .arg(format == QLatin1String("csv") ? QStringLiteral("CSV") : QStringLiteral("JSONL"));
    for (const SimTask &t : processing.tasks)
        if (!t.fails)
            part.files.append(taskResults(record, t, format));
    return { part };
}

QVector<OutputPart> exportOutput(const JobRecord &record, const SimStage &processing, const QString &format)
{
    QVector<OutputFile> archives;
    for (const SimTask &t : processing.tasks) {
        if (t.fails)
            continue;
        OutputFile a;
        a.fileName = t.taskId + QStringLiteral(".tar.gz");
        a.data = makeTarGz({ taskResults(record, t, format) });
        a.contentType = QStringLiteral("application/gzip");
        archives.append(a);
    }
    QVector<OutputPart> parts;
    const int count = qMax(1, int((archives.size() + kArchivesPerPart - 1) / kArchivesPerPart));
    for (int k = 0; k < count; ++k) {
        OutputPart part;
        part.partName = QStringLiteral("archives-%1").arg(k + 1);
        part.contentType = QStringLiteral("archives");
        part.nestedContentType = QStringLiteral("metadata");
        part.description = QStringLiteral("Compressed workflow results (.tar.gz)");
        part.files = archives.mid(k * kArchivesPerPart, kArchivesPerPart);
        parts.append(part);
    }
    return parts;
}

QByteArray makeTarGz(const QVector<OutputFile> &files)
{
    QByteArray out;
    std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
    archive_write_set_format_ustar(a.get());
    archive_write_add_filter_gzip(a.get());
    archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);   // no mtime in the gzip header
    archive_write_set_bytes_in_last_block(a.get(), 1);
    if (archive_write_open2(a.get(), &out, nullptr, &appendToByteArray, nullptr, nullptr) != ARCHIVE_OK)
        return {};
    for (const OutputFile &f : files) {
        archive_entry *e = archive_entry_new();
        archive_entry_set_pathname_utf8(e, f.fileName.toUtf8().constData());
        archive_entry_set_size(e, f.data.size());
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, kArchiveMtime, 0);
        archive_write_header(a.get(), e);
        archive_write_data(a.get(), f.data.constData(), size_t(f.data.size()));
        archive_entry_free(e);
    }
    archive_write_close(a.get());
    return out;
}

}  // namespace bd::sandbox
