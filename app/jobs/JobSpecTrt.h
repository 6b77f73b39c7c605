#pragma once
// A TensorRT compilation job (spec §9.4.2): what `batch-processing trt-compile` sends to B3.
#include "jobs/JobFields.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace bd::jobs {

struct TrtJobSpec {
    QString modelId;                 // required, e.g. "project/3"
    QStringList compilationDevices;  // required: nvidia-l4, nvidia-t4, nvidia-l40s; de-duplicated on the wire
    QString notificationsURL;
    QString jobId;    // path; generateJobId(true) when empty
    QString jobName;  // ?name=

    QString jobType() const { return QStringLiteral("trt-compilation-v1"); }
    QStringList uniqueDevices() const;  // first occurrence order

    // The members bound to the rows of the job field table (JobFields.h), and their values.
    static const QList<FieldBinding<TrtJobSpec>> &fieldBindings();
    QJsonObject fieldValues() const;
    void setFieldValues(const QJsonObject &values);

    FieldProblems validate() const;
    QJsonObject toWireJson() const;

    CliInvocation toCliInvocation() const;
    QStringList toCliArguments() const { return toCliInvocation().arguments; }
    // From the options after "trt-compile" (or a full list starting with "batch-processing").
    static TrtJobSpec fromCliOptions(const QStringList &options, FieldProblems *problems);

    QJsonObject toPresetJson() const;
    static TrtJobSpec fromPresetJson(const QJsonObject &json);

    bool operator==(const TrtJobSpec &o) const = default;
};

}  // namespace bd::jobs
