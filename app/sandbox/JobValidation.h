#pragma once
// Shape validation of B3 job definitions and B7 restart overrides (spec §9.4, §9.8). Each function
// returns an empty string when the input is acceptable, else a person-readable reason for a 400.
// Whether the input batch exists is checked by JobService, which owns the BatchStore.
// Deliberately independent of the client's field table (app/jobs/JobFields.h): this emulates
// the server, and a table shared by both would hide a client mistake from every sandbox test.
#include <QJsonObject>
#include <QString>

namespace bd::sandbox {

QString validateJobId(const QString &jobId);                 // ^[a-z0-9_-]{1,20}$
QString validateJobDefinition(const QJsonObject &definition);
QString validateRestartOverride(const QJsonObject &body);    // type parameters-override-v1

}  // namespace bd::sandbox
