#include "jobs/JobSpecPresets.h"

#include "core/Database.h"
#include "core/Redact.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace bd::jobs {
namespace {
const QString kSuffix = QStringLiteral(".json");
constexpr int kFormatVersion = 1;
}  // namespace

JobSpecPresets::JobSpecPresets(const QString &directory)
    : m_dir(directory.isEmpty() ? appDataDir() + QStringLiteral("/presets") : directory)
{
}

bool JobSpecPresets::isValidName(const QString &name)
{
    return !name.trimmed().isEmpty() && name.size() <= 100 && !name.contains(QLatin1Char('/')) &&
           !name.contains(QLatin1Char('\\')) && !name.startsWith(QLatin1Char('.')) &&
           !name.contains(QChar(0));
}

QString JobSpecPresets::pathFor(const QString &name) const
{
    return m_dir + QLatin1Char('/') + name + kSuffix;
}

QStringList JobSpecPresets::names() const
{
    QStringList out;
    const QStringList files = QDir(m_dir).entryList({QStringLiteral("*") + kSuffix}, QDir::Files, QDir::Name);
    for (QString f : files) {
        f.chop(kSuffix.size());
        out << f;
    }
    return out;
}

bool JobSpecPresets::contains(const QString &name) const
{
    return isValidName(name) && QFile::exists(pathFor(name));
}

Error JobSpecPresets::save(const JobPreset &preset)
{
    if (!isValidName(preset.name))
        return {ErrorKind::InvalidInput, QStringLiteral("\"%1\" cannot be a preset name.").arg(preset.name)};
    QJsonObject spec;
    if (preset.isTrt) {
        TrtJobSpec trt = preset.trt;
        trt.jobId.clear();
        spec = trt.toPresetJson();
    } else {
        WorkflowJobSpec workflow = preset.workflow;
        workflow.jobId.clear();
        spec = workflow.toPresetJson();
    }
    const QJsonObject root{{QStringLiteral("version"), kFormatVersion},
                           {QStringLiteral("name"), preset.name},
                           {QStringLiteral("kind"), preset.isTrt ? QStringLiteral("trt") : QStringLiteral("workflow")},
                           {QStringLiteral("spec"), spec}};
    const QByteArray text = QJsonDocument(root).toJson(QJsonDocument::Indented);
    if (redact(QString::fromUtf8(text)) != QString::fromUtf8(text))
        return {ErrorKind::Unsafe, QStringLiteral("The preset \"%1\" would contain a secret (an API key or a "
                                                  "signed URL); remove it and save again.").arg(preset.name)};
    if (!QDir().mkpath(m_dir))
        return {ErrorKind::Io, QStringLiteral("Cannot create the presets folder %1.").arg(m_dir)};
    QSaveFile file(pathFor(preset.name));  // atomic: a crash leaves the old preset intact
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit())
        return {ErrorKind::Io, QStringLiteral("Cannot write the preset %1: %2").arg(file.fileName(), file.errorString())};
    return {};
}

std::optional<JobPreset> JobSpecPresets::load(const QString &name, Error *error) const
{
    const auto fail = [&](Error e) -> std::optional<JobPreset> {
        if (error)
            *error = std::move(e);
        return std::nullopt;
    };
    if (!isValidName(name))
        return fail({ErrorKind::InvalidInput, QStringLiteral("\"%1\" cannot be a preset name.").arg(name)});
    QFile file(pathFor(name));
    if (!file.exists())
        return fail({ErrorKind::NotFound, QStringLiteral("There is no preset named \"%1\".").arg(name)});
    if (!file.open(QIODevice::ReadOnly))
        return fail({ErrorKind::Io, QStringLiteral("Cannot read %1: %2").arg(file.fileName(), file.errorString())});
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    const QJsonObject root = doc.object();
    const QString kind = root.value(QLatin1String("kind")).toString();
    if (parseError.error != QJsonParseError::NoError || !root.value(QLatin1String("spec")).isObject() ||
        (kind != QLatin1String("trt") && kind != QLatin1String("workflow")))
        return fail({ErrorKind::Io, QStringLiteral("The preset file %1 is damaged.").arg(file.fileName())});
    JobPreset preset;
    preset.name = name;
    preset.isTrt = kind == QLatin1String("trt");
    const QJsonObject spec = root.value(QLatin1String("spec")).toObject();
    if (preset.isTrt)
        preset.trt = TrtJobSpec::fromPresetJson(spec);
    else
        preset.workflow = WorkflowJobSpec::fromPresetJson(spec);
    if (error)
        *error = {};
    return preset;
}

Error JobSpecPresets::remove(const QString &name)
{
    if (!contains(name))
        return {ErrorKind::NotFound, QStringLiteral("There is no preset named \"%1\".").arg(name)};
    if (!QFile::remove(pathFor(name)))
        return {ErrorKind::Io, QStringLiteral("Cannot delete the preset \"%1\".").arg(name)};
    return {};
}

}  // namespace bd::jobs
