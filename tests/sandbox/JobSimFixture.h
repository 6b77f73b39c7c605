#pragma once
// Test doubles for the job simulator: a BatchStore over real temp files that records created
// output batches, a webhook sender that records posts, job-definition builders and a tar.gz reader.
#include "sandbox/SandboxContext.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>

#include <archive.h>
#include <archive_entry.h>

namespace bd::sandbox::testing {

inline const QString kWs = QStringLiteral("ws");

class FakeStore : public BatchStore
{
public:
    std::optional<QVector<StoredFile>> batchFiles(const QString &workspace, const QString &batchId,
                                                  const QString &partName) override
    {
        const auto it = batches.find(workspace + '/' + batchId);
        if (it == batches.end())
            return std::nullopt;
        QVector<StoredFile> out;
        for (const StoredFile &f : *it)
            if (partName.isEmpty() || f.partName == partName)
                out.append(f);
        return out;
    }
    void createMultipartBatch(const QString &workspace, const QString &batchId, const QString &,
                              const QVector<OutputPart> &parts) override
    {
        outputs[workspace + '/' + batchId] = parts;
        ++createCalls;
    }

    QMap<QString, QVector<StoredFile>> batches;
    QMap<QString, QVector<OutputPart>> outputs;
    int createCalls = 0;
};

class FakeWebhooks : public WebhookSender
{
public:
    void post(const QString &url, const QJsonObject &payload) override { posts.append({ url, payload }); }
    QList<QPair<QString, QJsonObject>> posts;
};

inline QJsonObject imageJob(const QString &batchId, const QString &workflowId = QStringLiteral("wf"))
{
    return QJsonObject{
        { "type", "simple-image-processing-v1" },
        { "jobInput", QJsonObject{ { "type", "staging-batch-input-v1" }, { "batchId", batchId } } },
        { "computeConfiguration", QJsonObject{ { "type", "compute-configuration-v2" } } },
        { "processingSpecification", QJsonObject{ { "type", "workflows-processing-specification-v1" },
                                                  { "workspace", kWs },
                                                  { "workflowId", workflowId },
                                                  { "persistImagesOutputs", false } } } };
}

inline QJsonObject withField(QJsonObject o, const QString &key, const QJsonValue &v)
{
    o.insert(key, v);
    return o;
}

inline QJsonObject withSpec(QJsonObject o, const QString &key, const QJsonValue &v)
{
    QJsonObject spec = o.value("processingSpecification").toObject();
    spec.insert(key, v);
    o.insert("processingSpecification", spec);
    return o;
}

inline QByteArray readFirstTarEntry(const QByteArray &tarGz, QString *name)
{
    archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    QByteArray data;
    if (archive_read_open_memory(a, tarGz.constData(), size_t(tarGz.size())) == ARCHIVE_OK) {
        archive_entry *e = nullptr;
        if (archive_read_next_header(a, &e) == ARCHIVE_OK) {
            *name = QString::fromUtf8(archive_entry_pathname(e));
            char buf[4096];
            la_ssize_t n;
            while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
                data.append(buf, qsizetype(n));
        }
        if (archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP)
            data = "not gzip";
    }
    archive_read_free(a);
    return data;
}


}  // namespace bd::sandbox::testing
