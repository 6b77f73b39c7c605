#include "sandbox/AssetLibrary.h"

#include "sandbox/DemoMedia.h"


namespace bd::sandbox {

AssetLibrary::AssetLibrary()
{
    for (int i = 1; i <= 40; ++i) {
        QStringList tags;
        if (i % 3 == 0) tags << QStringLiteral("cars");
        if (i % 4 == 0) tags << QStringLiteral("people");
        if (i % 5 == 0) tags << QStringLiteral("dogs");
        tags << (i % 2 == 0 ? QStringLiteral("night") : QStringLiteral("day"));
        tags << (i <= 25 ? QStringLiteral("street") : QStringLiteral("indoor"));
        const QString id = QStringLiteral("asset-%1").arg(i, 2, 10, QLatin1Char('0'));
        m_assets.append({ id, id + QStringLiteral(".jpg"), tags });
    }
}

QByteArray AssetLibrary::bytes(const Asset &asset) const
{
    return tinyJpeg(QStringLiteral("sandbox asset %1 tags=%2").arg(asset.fileName, asset.tags.join(QLatin1Char(','))));
}

const Asset *AssetLibrary::find(const QString &id) const
{
    for (const Asset &asset : m_assets)
        if (asset.id == id)
            return &asset;
    return nullptr;
}

std::optional<QVector<Asset>> AssetLibrary::select(const QString &query, QString *error) const
{
    const QStringList words = query.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.isEmpty()) {
        *error = QStringLiteral("The RoboQL query is empty");
        return std::nullopt;
    }
    auto matches = [](const Asset &a, const QString &atom) -> std::optional<bool> {
        if (atom == QLatin1String("*"))
            return true;
        if (atom.startsWith(QLatin1String("tag:"), Qt::CaseInsensitive) && atom.size() > 4)
            return a.tags.contains(atom.mid(4), Qt::CaseInsensitive);
        if (atom.startsWith(QLatin1String("name:"), Qt::CaseInsensitive) && atom.size() > 5)
            return a.fileName.startsWith(atom.mid(5), Qt::CaseInsensitive);
        return std::nullopt;
    };
    QVector<Asset> out;
    for (const Asset &asset : m_assets) {
        std::optional<bool> result;
        QString pendingOp;
        bool negate = false;
        for (const QString &word : words) {
            const QString upper = word.toUpper();
            if (upper == QLatin1String("AND") || upper == QLatin1String("OR")) {
                if (!result || !pendingOp.isEmpty() || negate) {
                    *error = QStringLiteral("RoboQL: misplaced '%1'").arg(word);
                    return std::nullopt;
                }
                pendingOp = upper;
                continue;
            }
            if (upper == QLatin1String("NOT")) {
                negate = !negate;
                continue;
            }
            const auto value = matches(asset, word);
            if (!value) {
                *error = QStringLiteral("RoboQL: unknown term '%1' (use *, tag:NAME, name:PREFIX, AND, OR, NOT)").arg(word);
                return std::nullopt;
            }
            const bool term = negate ? !*value : *value;
            negate = false;
            if (!result)
                result = term;
            else if (pendingOp.isEmpty()) {
                *error = QStringLiteral("RoboQL: missing AND/OR before '%1'").arg(word);
                return std::nullopt;
            } else
                result = pendingOp == QLatin1String("AND") ? (*result && term) : (*result || term);
            pendingOp.clear();
        }
        if (!result || !pendingOp.isEmpty() || negate) {
            *error = QStringLiteral("RoboQL: the query ends early");
            return std::nullopt;
        }
        if (*result)
            out.append(asset);
    }
    return out;
}

}  // namespace bd::sandbox
