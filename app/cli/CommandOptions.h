#pragma once
// The options of one command: declared once, parsed with QCommandLineParser (single-dash words
// such as -pn, -jn, -mm are long options, as in rf-cloud), and rendered as --help. Parse errors,
// missing required options and malformed numbers become usage errors (exit code 2).
#include "jobs/JobFields.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace bd::cli {

class CliContext;

class CommandOptions {
public:
    explicit CommandOptions(CliContext &ctx);

    // An option taking a value; `names` like {"b", "batch-id"}. Required ones are checked by
    // parse(). A repeatable option simply has values() read.
    void addValue(const QStringList &names, const QString &description, const QString &valueName,
                  bool required = false, const QString &defaultValue = {});
    void addFlag(const QStringList &names, const QString &description);
    // The options of the job fields of `kind` (jobs/JobFields.h), with the table's help lines;
    // required fields are required options. The values are read by the job specs themselves.
    void addJobFields(jobs::JobKind kind);

    // nullopt: go on with the command. Otherwise the exit code to return right away: 0 after
    // printing --help, 2 after a usage error.
    std::optional<int> parse(const QStringList &args);

    bool isSet(const QString &name) const { return m_parser.isSet(name); }
    QString value(const QString &name) const { return m_parser.value(name); }
    QStringList values(const QString &name) const { return m_parser.values(name); }

    // The option as an integer >= minimum (its default when not given). nullopt after printing
    // a usage error; the caller returns 2.
    std::optional<int> intValue(const QString &name, int minimum);
    // The value when it is one of `choices` (or unset: empty string); nullopt after a usage error.
    std::optional<QString> choiceValue(const QString &name, const QStringList &choices);

    QString helpText() const;

private:
    CliContext &m_ctx;
    QCommandLineParser m_parser;
    QVector<QCommandLineOption> m_options;
    QSet<QString> m_required;  // first names of required options
};

// "-b, --batch-id": names of one or two characters take one dash, longer ones two.
QString displayOptionNames(const QStringList &names);

}  // namespace bd::cli
