#pragma once
// Listed cloud objects -> the §7.1 references file ({"name", "url"} per line). Unlike the
// reference CLI (§7.3 step 5), names are made UNIQUE: the basename when no other object shares it,
// else the whole key with '/' replaced by "__" (the docs' helper scripts' convention).
#include "core/Error.h"

#include <QString>
#include <QVector>

#include <functional>

namespace bd::cloud {

inline constexpr qint64 kPresignExpirySeconds = 86400;   // 24 h, as the reference CLI

struct CloudObject {
    QString key;     // full key in the bucket/container
    qint64 size = -1;
};

struct Reference {
    QString name;
    QString url;     // signed URL (the only place a credential-derived value may appear)
};

class ReferencesBuilder
{
public:
    // Signs one key with the given expiry; returns an empty string and sets error on failure.
    using SignFunction = std::function<QString(const QString &key, qint64 expiresSeconds, Error *error)>;

    explicit ReferencesBuilder(SignFunction sign) : m_sign(std::move(sign)) {}

    // Names for the keys, in the same order, all distinct.
    static QStringList uniqueNames(const QStringList &keys);
    // Signs every object; stops at the first failure (error set, partial result discarded).
    QVector<Reference> build(const QVector<CloudObject> &objects, Error *error = nullptr) const;
    // One compact JSON object per line, written atomically (QSaveFile).
    static bool writeJsonl(const QVector<Reference> &references, const QString &path, Error *error = nullptr);

private:
    SignFunction m_sign;
};

}  // namespace bd::cloud
