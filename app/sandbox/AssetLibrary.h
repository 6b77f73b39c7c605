#pragma once
// The sandbox's stand-in for a workspace's platform images, queried by RoboQL ingests (D12).
// 40 generated JPEGs, asset-01.jpg .. asset-40.jpg, each with tags; an image's id is its file
// name without ".jpg" (asset-01 .. asset-40), as Asset Library jobs select them by id (A1).
//
// RoboQL dialect [INFERRED; the real language is undocumented]:
//   query  := term (("AND" | "OR") term)*       evaluated left to right, case-insensitive keywords
//   term   := ["NOT"] atom
//   atom   := "*"                               every image
//           | "tag:" NAME                       images carrying that tag
//           | "name:" PREFIX                    images whose file name starts with PREFIX
// Tags: cars, people, dogs, night, day (every image is night or day), street, indoor.
#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace bd::sandbox {

struct Asset {
    QString id;
    QString fileName;
    QStringList tags;
};

class AssetLibrary
{
public:
    AssetLibrary();
    const QVector<Asset> &assets() const { return m_assets; }
    QByteArray bytes(const Asset &asset) const;
    const Asset *find(const QString &id) const;
    // The assets the query selects (in library order), or nullopt with *error for a bad query.
    std::optional<QVector<Asset>> select(const QString &query, QString *error) const;

private:
    QVector<Asset> m_assets;
};

}  // namespace bd::sandbox
