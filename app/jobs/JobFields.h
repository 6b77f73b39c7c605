#pragma once
// Every job field described once (docs/protocol.md §9.4, §9.8, §16): wire key, batchdeck-cli
// flags (the names of Roboflow's `inference rf-cloud`), the New job form's label and tooltip,
// type, range, what an empty value means, and which job kinds have it. The specs
// (JobSpecWorkflow, JobSpecAssetLibrary, JobSpecRestart, JobSpecTrt) bind their members to rows
// of this table; the wire JSON, CLI parsing and printing, --help, validation, presets and the
// New job form all walk it. Adding a field: one row here, one binding line in the spec.
//
// The sandbox's validation (app/sandbox/JobValidation) deliberately does not use this table: it
// emulates the server, and a table shared by client and server would hide a client mistake from
// every test that runs against the sandbox.
//
// Values travel as one flat JSON object keyed by wire key (the preset format): a string, a
// number, a bool, an array (repeatable fields) or an object (mapping, workflow parameters). An
// unset field is absent.
#include "jobs/JobSpec.h"
#include "jobs/JobSpecCliReader.h"

#include <QFlags>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>

#include <variant>

namespace bd::jobs {

enum class JobKind { Images = 0x1, Videos = 0x2, AssetLibrary = 0x4, Restart = 0x8, Trt = 0x10 };
Q_DECLARE_FLAGS(JobKinds, JobKind)
Q_DECLARE_OPERATORS_FOR_FLAGS(JobKinds)

enum class FieldType {
    Text,            // free text, restricted by `pattern` when set
    Url,             // an absolute http(s) URL
    Choice,          // one of `choices`; empty: the server's default
    ChoiceList,      // repeatable, each one of `choices`; de-duplicated on the wire
    Count,           // whole number >= minimum
    Fraction,        // number from minimum to maximum, inclusive
    PositiveNumber,  // number > 0
    Switch,          // on/off, always sent
    TextList,        // repeatable free text
    Mapping,         // repeatable key=value
    JsonObject,      // a JSON object; a file for the CLI
};

// Where the key goes in the B3 body (Asset Library bodies are flat but for computeConfiguration).
enum class WireGroup { Job, JobInput, Compute, Processing, NotInBody };

// The New job form's group boxes, in the order shown.
enum class FormSection { Input, Workflow, Compute, Trt, Job, NotInForm };

struct JobField {
    QString key;              // wire key; also the field named in problems and presets
    QStringList flags;        // CLI names, long first ("--max-parallel-tasks"); empty: no option
    QString negativeFlag;     // Switch: the option that turns it off ("--no-save-image-outputs")
    QString metavar;          // --help: "--max-parallel-tasks n"
    QString label;            // the form's label
    QString tooltip;          // the form's tooltip and the CLI's --help line
    QString placeholder;      // what an empty value means ("server default")
    FieldType type = FieldType::Text;
    WireGroup group = WireGroup::Job;
    FormSection section = FormSection::NotInForm;
    JobKinds kinds;
    bool required = false;
    bool deprecated = false;  // read, but written as its replacement (machineSize -> workersPerMachine)
    QStringList choices;
    double minimum = 0;
    double maximum = 0;
    double restartMinimum = 0;  // Count on restart: the reference CLI accepts (and drops) 0 workers
    QString pattern;            // Text: a full-match regular expression
    QString patternDescription; // "1 to 64 of a-z, 0-9, '-' and '_'"
    QString negativeTooltip;    // Switch: the --help line of negativeFlag
};

// The table, in the order the CLI command line lists the options.
const QList<JobField> &jobFields();
const JobField *jobField(const QString &key);
QList<const JobField *> jobFieldsFor(JobKinds kinds);

// The problem with one value, or "" when it is fine (range, choice, pattern, URL, required).
QString fieldValueProblem(const JobField &field, const QJsonValue &value, JobKind kind);
// Every field of `values` checked; a value set for a field the kind does not have is a problem
// ("applies to image jobs only"). Required fields of the kind must be present.
FieldProblems validateFieldValues(const QJsonObject &values, JobKind kind);

// Text typed in a form or given on the command line to a value: numbers parsed, lists split
// (TextList at commas, Mapping one key=value per line, JsonObject parsed). Undefined when empty;
// `problem` says why text does not parse ("must be a whole number (got \"two\")").
QJsonValue parseFieldText(const JobField &field, const QString &text, QString *problem);
// The value as the form shows it (the inverse of parseFieldText).
QString fieldText(const JobField &field, const QJsonValue &value);

// The fields of `kind` put into the body's groups (Asset Library: pass the same object for all
// but compute). `compute` receives machineType / workersPerMachine.
void putWireFields(const QJsonObject &values, JobKind kind, QJsonObject *job, QJsonObject *jobInput,
                   QJsonObject *compute, QJsonObject *processing);
// The options for the fields of `kind`, in table order. A JsonObject field is written as
// `jsonFilePath` (the caller writes the file). Deprecated fields are not written.
QStringList fieldCliArguments(const QJsonObject &values, JobKind kind, const QString &jsonFilePath = {});
// CliOptionReader options for the fields of `kinds`.
QList<CliOptionReader::Option> fieldCliOptions(JobKinds kinds);
// The values of the fields of `kinds` from a read command line; JsonObject files are read.
QJsonObject readFieldCliValues(const CliOptionReader &reader, JobKinds kinds, FieldProblems &problems);

// ---- binding a spec's members to the table ----

template <class Spec>
using FieldMember = std::variant<QString Spec::*, std::optional<int> Spec::*, std::optional<double> Spec::*,
                                 bool Spec::*, QStringList Spec::*, QMap<QString, QString> Spec::*,
                                 std::optional<QJsonObject> Spec::*>;

template <class Spec>
struct FieldBinding {
    const char *key;
    FieldMember<Spec> member;
};

// The bound members of `spec` as a flat values object (unset ones absent).
template <class Spec>
QJsonObject fieldValues(const Spec &spec, const QList<FieldBinding<Spec>> &bindings)
{
    QJsonObject o;
    for (const FieldBinding<Spec> &b : bindings) {
        QJsonValue v(QJsonValue::Undefined);
        std::visit(
            [&](auto member) {
                const auto &m = spec.*member;
                using T = std::decay_t<decltype(m)>;
                if constexpr (std::is_same_v<T, QString>) {
                    if (!m.isEmpty())
                        v = m;
                } else if constexpr (std::is_same_v<T, bool>) {
                    v = m;
                } else if constexpr (std::is_same_v<T, QStringList>) {
                    if (!m.isEmpty())
                        v = QJsonArray::fromStringList(m);
                } else if constexpr (std::is_same_v<T, QMap<QString, QString>>) {
                    if (!m.isEmpty()) {
                        QJsonObject map;
                        for (auto it = m.cbegin(); it != m.cend(); ++it)
                            map.insert(it.key(), it.value());
                        v = map;
                    }
                } else {  // std::optional<int / double / QJsonObject>
                    if (m)
                        v = QJsonValue(*m);
                }
            },
            b.member);
        if (!v.isUndefined())
            o.insert(QLatin1String(b.key), v);
    }
    return o;
}

// The bound members of `spec` set from `values` (absent ones cleared; wrong JSON types ignored).
template <class Spec>
void setFieldValues(Spec &spec, const QList<FieldBinding<Spec>> &bindings, const QJsonObject &values)
{
    for (const FieldBinding<Spec> &b : bindings) {
        const QJsonValue v = values.value(QLatin1String(b.key));
        std::visit(
            [&](auto member) {
                auto &m = spec.*member;
                using T = std::decay_t<decltype(m)>;
                if constexpr (std::is_same_v<T, QString>) {
                    m = v.toString();
                } else if constexpr (std::is_same_v<T, bool>) {
                    m = v.toBool(false);
                } else if constexpr (std::is_same_v<T, QStringList>) {
                    m.clear();
                    for (const QJsonValue &e : v.toArray())
                        m << e.toString();
                } else if constexpr (std::is_same_v<T, QMap<QString, QString>>) {
                    m.clear();
                    const QJsonObject map = v.toObject();
                    for (auto it = map.constBegin(); it != map.constEnd(); ++it)
                        m.insert(it.key(), it.value().toString());
                } else if constexpr (std::is_same_v<T, std::optional<int>>) {
                    m = v.isDouble() ? std::optional<int>(v.toInt()) : std::nullopt;
                } else if constexpr (std::is_same_v<T, std::optional<double>>) {
                    m = v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
                } else {
                    m = v.isObject() ? std::optional<QJsonObject>(v.toObject()) : std::nullopt;
                }
            },
            b.member);
    }
}

}  // namespace bd::jobs
