#include "cloud/ReferencesBuilder.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSet>

namespace bd::cloud {

QStringList ReferencesBuilder::uniqueNames(const QStringList &keys)
{
    auto base = [](const QString &k) { return k.mid(k.lastIndexOf(QLatin1Char('/')) + 1); };
    QHash<QString, int> counts;
    for (const QString &k : keys)
        ++counts[base(k)];
    QStringList names;
    QSet<QString> used;
    for (const QString &k : keys) {
        QString name = counts.value(base(k)) == 1 ? base(k) : QString(k).replace(QLatin1Char('/'), QStringLiteral("__"));
        // A flattened key can still collide with another basename ("a__b.jpg" next to "a/b.jpg"),
        // or the same key can be listed twice: number the later ones.
        const QString stem = name;
        for (int n = 2; used.contains(name); ++n)
            name = QStringLiteral("%1~%2").arg(stem).arg(n);
        used.insert(name);
        names.append(name);
    }
    return names;
}

QVector<Reference> ReferencesBuilder::build(const QVector<CloudObject> &objects, Error *error) const
{
    QStringList keys;
    for (const CloudObject &o : objects)
        keys.append(o.key);
    const QStringList names = uniqueNames(keys);
    QVector<Reference> out;
    out.reserve(objects.size());
    for (int i = 0; i < objects.size(); ++i) {
        Error e;
        const QString url = m_sign(objects.at(i).key, kPresignExpirySeconds, &e);
        if (url.isEmpty()) {
            if (error)
                *error = e.isError() ? e : Error(ErrorKind::Internal, QStringLiteral("Signing %1 failed.").arg(objects.at(i).key));
            return {};
        }
        out.append({ names.at(i), url });
    }
    return out;
}

bool ReferencesBuilder::writeJsonl(const QVector<Reference> &references, const QString &path, Error *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    for (const Reference &r : references)
        file.write(QJsonDocument(QJsonObject{ { QStringLiteral("name"), r.name }, { QStringLiteral("url"), r.url } })
                       .toJson(QJsonDocument::Compact) + '\n');
    if (!file.commit()) {
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

}  // namespace bd::cloud
