#pragma once
// Named job specifications saved as JSON files under appDataDir()/presets/, so a person can
// rerun a job shape without retyping it. A preset never holds a secret: save() refuses any
// text that redaction would change (a registered API key, an api_key= or signed-URL parameter).
#include "core/Error.h"
#include "jobs/JobSpecTrt.h"
#include "jobs/JobSpecWorkflow.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace bd::jobs {

struct JobPreset {
    QString name;
    bool isTrt = false;        // which of the two specs is meaningful
    WorkflowJobSpec workflow;
    TrtJobSpec trt;
};

class JobSpecPresets
{
public:
    // `directory` empty: appDataDir()/presets.
    explicit JobSpecPresets(const QString &directory = {});

    QString directory() const { return m_dir; }
    QStringList names() const;  // sorted
    bool contains(const QString &name) const;

    // Overwrites a preset of the same name. The job id is not kept: each run needs a new one.
    Error save(const JobPreset &preset);
    std::optional<JobPreset> load(const QString &name, Error *error = nullptr) const;
    Error remove(const QString &name);

    // Names are file names: 1-100 characters, no '/', '\\' or leading '.'.
    static bool isValidName(const QString &name);

private:
    QString pathFor(const QString &name) const;
    QString m_dir;
};

}  // namespace bd::jobs
