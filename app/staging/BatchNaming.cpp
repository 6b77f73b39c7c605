#include "staging/BatchNaming.h"

#include <QCryptographicHash>
#include <QHash>
#include <QRegularExpression>

namespace bd::staging {

namespace {

constexpr int kMaxBatchIdLength = 64;

// The identity two names collide on: stores may be case-insensitive and may normalise Unicode.
QString collisionKey(const QString &name)
{
    return name.normalized(QString::NormalizationForm_C).toCaseFolded();
}

int utf8Length(const QString &s)
{
    return int(s.toUtf8().size());
}

QString fileNameOf(const QString &path)
{
    const int slash = path.lastIndexOf(QLatin1Char('/'));
    return slash < 0 ? path : path.mid(slash + 1);
}

QStringList dirComponentsOf(const QString &path)
{
    const int slash = path.lastIndexOf(QLatin1Char('/'));
    if (slash <= 0)
        return {};
    return path.left(slash).split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

// Splits "photo.tar.jpg" into ("photo.tar", ".jpg"); a leading dot is part of the stem.
void splitExtension(const QString &name, QString *stem, QString *ext)
{
    const int dot = name.lastIndexOf(QLatin1Char('.'));
    if (dot <= 0) {
        *stem = name;
        ext->clear();
    } else {
        *stem = name.left(dot);
        *ext = name.mid(dot);
    }
}

// The naming state of one file: how far it had to go to become unique.
struct Entry {
    QString path;
    QString base;          // sanitised basename
    QString baseKey;       // collisionKey(base)
    QStringList dirParts;  // directory components, for the "__" prefix (only when base collides)
    int commonDepth = 0;   // components shared with every file of the same basename
    int level = 0;         // 0 basename, 1 dir prefix, 2+ hash of growing length
};

QString prefixedName(const Entry &e)
{
    QStringList parts;
    for (int i = e.commonDepth; i < e.dirParts.size(); ++i)
        parts << BatchNaming::sanitize(e.dirParts.at(i));
    parts << e.base;
    return parts.join(QStringLiteral("__"));
}

QString hashedName(const Entry &e, int hexDigits)
{
    const QByteArray hash = QCryptographicHash::hash(e.path.toUtf8(), QCryptographicHash::Sha1).toHex();
    QString stem, ext;
    splitExtension(prefixedName(e), &stem, &ext);
    const QString tag = QLatin1Char('-') + QString::fromLatin1(hash.left(hexDigits));
    // Shorten from the left of the stem: the end (near the basename) says more.
    while (!stem.isEmpty() && utf8Length(stem + tag + ext) > BatchNaming::kMaxNameBytes)
        stem.remove(0, stem.at(0).isHighSurrogate() ? 2 : 1);
    return stem + tag + ext;
}

QString candidate(const Entry &e)
{
    switch (e.level) {
    case 0: return e.base;
    case 1: return prefixedName(e);
    case 2: return hashedName(e, 8);
    case 3: return hashedName(e, 16);
    default: return hashedName(e, 40);
    }
}

int commonPrefixLength(const QStringList &a, const QStringList &b)
{
    int n = 0;
    while (n < a.size() && n < b.size() && a.at(n) == b.at(n))
        ++n;
    return n;
}

}  // namespace

QString BatchNaming::sanitize(const QString &fileName)
{
    static const QString kForbidden = QStringLiteral("/\\:*?\"<>|");
    QString out;
    out.reserve(fileName.size());
    for (int i = 0; i < fileName.size(); ++i) {
        const QChar c = fileName.at(i);
        if (c.isHighSurrogate() && i + 1 < fileName.size() && fileName.at(i + 1).isLowSurrogate()) {
            out += c;
            out += fileName.at(++i);
        } else if (c.isSurrogate() || c.category() == QChar::Other_Control || kForbidden.contains(c)
                   || c.isNonCharacter()) {
            out += QLatin1Char('_');
        } else {
            out += c;
        }
    }
    if (out.isEmpty() || out == QLatin1String(".") || out == QLatin1String(".."))
        out = QStringLiteral("_");
    return out;
}

namespace {
Entry entryFor(const QString &path)
{
    Entry e{ path, BatchNaming::sanitize(fileNameOf(path)), {}, {}, 0, 0 };
    e.baseKey = collisionKey(e.base);
    return e;
}

// One unique name per entry, in order. At 100k files this runs once per scan, so it keeps little
// per file: the basename and its collision key. Directory components are split only for files
// whose basename collides, and the first round counts collisions with the basename groups.
QStringList resolveNames(QVector<Entry> &entries)
{
    QHash<QString, int> groupSize;   // basename key -> files sharing it
    groupSize.reserve(entries.size());
    for (const Entry &e : std::as_const(entries))
        ++groupSize[e.baseKey];

    // Common folder of every group sharing a basename: the prefix starts below it.
    QHash<QString, int> groupDepth;
    QHash<QString, int> groupFirst;
    for (int i = 0; i < entries.size(); ++i) {
        Entry &e = entries[i];
        if (groupSize.value(e.baseKey) < 2)
            continue;
        e.dirParts = dirComponentsOf(e.path);
        auto first = groupFirst.constFind(e.baseKey);
        if (first == groupFirst.constEnd()) {
            groupFirst.insert(e.baseKey, i);
            groupDepth.insert(e.baseKey, int(e.dirParts.size()));
        } else {
            const int shared = commonPrefixLength(entries[*first].dirParts, e.dirParts);
            groupDepth[e.baseKey] = qMin(groupDepth.value(e.baseKey), shared);
        }
    }
    for (Entry &e : entries)
        e.commonDepth = groupDepth.value(e.baseKey);
    groupFirst.clear();
    groupDepth.clear();
    // A file with a basename of its own still needs its folders once its name is raised (its
    // name met another file's prefixed name, or is too long); its prefix is then empty.
    auto splitLate = [&groupSize](Entry &e) {
        if (groupSize.value(e.baseKey) >= 2 || !e.dirParts.isEmpty())
            return;
        e.dirParts = dirComponentsOf(e.path);
        e.commonDepth = int(e.dirParts.size());
    };

    // Raise every member of a colliding set one level until nothing collides. Which files get
    // raised depends only on the set of names, so the outcome is order-independent.
    QStringList names;
    names.reserve(entries.size());
    bool fullHash = false;   // some file reached the last level (identical paths)
    for (bool firstRound = true;; firstRound = false) {
        names.clear();
        // Round one: every name is its basename, so the basename groups are the collisions.
        QStringList keys;
        QHash<QString, int> byKey;   // candidate key -> files with it
        if (!firstRound) {
            keys.reserve(entries.size());
            byKey.reserve(entries.size());
        }
        for (const Entry &e : std::as_const(entries)) {
            names << candidate(e);
            if (!firstRound) {
                keys << (e.level == 0 ? e.baseKey : collisionKey(names.last()));
                ++byKey[keys.last()];
            }
        }
        const QHash<QString, int> &counts = firstRound ? groupSize : byKey;
        bool raised = false;
        for (int i = 0; i < entries.size(); ++i) {
            const QString &key = firstRound ? entries.at(i).baseKey : keys.at(i);
            if (counts.value(key) >= 2 && entries[i].level < 4) {
                splitLate(entries[i]);
                ++entries[i].level;
                raised = true;
            }
        }
        for (int i = 0; i < entries.size(); ++i) {
            if (entries[i].level < 2 && utf8Length(names.at(i)) > BatchNaming::kMaxNameBytes) {
                splitLate(entries[i]);
                entries[i].level = 2;
                raised = true;
            }
            fullHash = fullHash || entries[i].level >= 4;
        }
        if (!raised)
            break;
    }

    // Only identical input paths can still collide at full-hash level: number them.
    if (fullHash) {
        QHash<QString, int> seen;
        for (QString &name : names) {
            const int n = seen[collisionKey(name)]++;
            if (n > 0) {
                QString stem, ext;
                splitExtension(name, &stem, &ext);
                name = stem + QLatin1Char('-') + QString::number(n) + ext;
            }
        }
    }
    return names;
}
}  // namespace

QString BatchNaming::baseName(const QString &path)
{
    return sanitize(fileNameOf(path));
}

QString BatchNaming::collisionKey(const QString &name)
{
    return staging::collisionKey(name);
}

QString BatchNaming::nameAtLevel(const QString &path, int level, int commonDepth)
{
    Entry e = entryFor(path);
    e.level = level;
    if (level > 0) {
        e.dirParts = dirComponentsOf(path);
        e.commonDepth = commonDepth < 0 ? int(e.dirParts.size()) : qMin(commonDepth, int(e.dirParts.size()));
    }
    return candidate(e);
}

int BatchNaming::commonFolderDepth(const QString &pathA, const QString &pathB)
{
    return commonPrefixLength(dirComponentsOf(pathA), dirComponentsOf(pathB));
}

QStringList BatchNaming::uniqueNames(const QStringList &paths)
{
    QVector<Entry> entries;
    entries.reserve(paths.size());
    for (const QString &path : paths)
        entries.push_back(entryFor(path));
    return resolveNames(entries);
}

void BatchNaming::assign(QVector<ScannedFile> &files)
{
    QVector<Entry> entries;   // built straight from the files: no extra list of paths
    entries.reserve(files.size());
    for (const ScannedFile &f : std::as_const(files))
        entries.push_back(entryFor(f.path));
    const QStringList names = resolveNames(entries);
    entries.clear();
    for (int i = 0; i < files.size(); ++i)
        files[i].batchName = names.at(i);
}

QVector<NameMapping> BatchNaming::mapping(const QVector<ScannedFile> &files)
{
    QVector<NameMapping> out;
    out.reserve(files.size());
    for (const ScannedFile &f : files)
        out.push_back({ f.path, f.batchName, f.batchName != fileNameOf(f.path) });
    return out;
}

bool BatchNaming::isValidBatchId(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^[a-z0-9_-]{1,64}$"));
    return re.match(id).hasMatch();
}

QString BatchNaming::suggestBatchId(const QString &folderName)
{
    QString name = folderName;
    while (name.endsWith(QLatin1Char('/')) && name.size() > 1)
        name.chop(1);
    name = fileNameOf(name);
    // NFKD splits "é" into "e" + accent; the accent is then dropped with the other characters.
    const QString decomposed = name.normalized(QString::NormalizationForm_KD).toLower();
    QString id;
    for (const QChar c : decomposed) {
        if ((c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
            || c == QLatin1Char('_') || c == QLatin1Char('-'))
            id += c;
        else if (c.isSpace())
            id += QLatin1Char('-');
    }
    static const QRegularExpression dashes(QStringLiteral("-{2,}"));
    id.replace(dashes, QStringLiteral("-"));
    while (id.startsWith(QLatin1Char('-')))
        id.remove(0, 1);
    id.truncate(kMaxBatchIdLength);
    while (id.endsWith(QLatin1Char('-')))
        id.chop(1);
    return id.isEmpty() ? QStringLiteral("batch") : id;
}

}  // namespace bd::staging
