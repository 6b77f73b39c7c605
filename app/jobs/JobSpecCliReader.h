#pragma once
// A small reader for rf-cloud style options ("--name value", "--name=value", short aliases such as
// "-b" or "-mm", switches, repeatable options) shared by the job specs' fromCliOptions builders.
// Problems are reported per field, like validate(), so the CLI prints one list.
#include "jobs/JobSpec.h"

#include <QHash>
#include <QList>
#include <QStringList>

#include <optional>

namespace bd::jobs {

class CliOptionReader
{
public:
    struct Option {
        QStringList names;      // canonical long name first, then aliases
        QString field;          // wire field it fills, for problem reports
        bool takesValue = true; // false: a switch
    };

    explicit CliOptionReader(QList<Option> options);

    // Reads all of `args`; unknown options, positional words and missing values become problems.
    void read(const QStringList &args, FieldProblems &problems);

    bool isSet(const QString &name) const { return m_values.contains(name); }
    QString value(const QString &name) const;     // the last occurrence
    QStringList values(const QString &name) const; // every occurrence, in order

    // Typed access; a malformed value adds a problem for the option's field.
    std::optional<int> intValue(const QString &name, FieldProblems &problems) const;
    std::optional<double> doubleValue(const QString &name, FieldProblems &problems) const;

private:
    const Option *find(const QString &name) const;
    const Option *byCanonical(const QString &name) const;

    QList<Option> m_options;
    QHash<QString, QStringList> m_values;  // canonical name -> values ("" for switches)
};

}  // namespace bd::jobs
