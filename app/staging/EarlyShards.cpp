#include "staging/EarlyShards.h"

#include "staging/BatchNaming.h"
#include "staging/MediaKind.h"
#include "staging/ScanStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <cstring>
#include <dirent.h>
#include <sys/stat.h>

namespace bd::staging {

namespace {
constexpr int kBitsetBits = 1 << 22;   // 512 KiB each: ~2 % false collisions at 100k names
constexpr int kMaxDepth = 256;          // deeper than that: not worth a pre-pass

QString childPath(const QString &dir, const QString &name)
{
    return dir.endsWith(QLatin1Char('/')) ? dir + name : dir + QLatin1Char('/') + name;
}

bool isCandidate(const QString &name)
{
    MediaKind kind;
    return mediaKindForName(name, &kind);
}
}  // namespace

QString NameCertainty::keyOfFileName(const QString &fileName)
{
    // ASCII: NFC changes nothing and case folding is lower-casing; sanitize maps the forbidden
    // and control characters to '_' (BatchNaming::sanitize).
    static const QString kForbidden = QStringLiteral("/\\:*?\"<>|");
    QString key;
    key.reserve(fileName.size());
    for (const QChar c : fileName) {
        const char16_t u = c.unicode();
        if (u >= 0x80)
            return BatchNaming::collisionKey(BatchNaming::sanitize(fileName));
        if (u < 0x20 || u == 0x7f || kForbidden.contains(c))
            key += QLatin1Char('_');
        else
            key += (u >= 'A' && u <= 'Z') ? QChar(u + ('a' - 'A')) : c;
    }
    if (key.isEmpty() || key == QLatin1String(".") || key == QLatin1String(".."))
        return QStringLiteral("_");
    return key;
}

size_t NameCertainty::bitOf(const QString &key)
{
    return qHash(key, size_t(0x9e3779b9)) & (kBitsetBits - 1);
}

void NameCertainty::count(const QString &key)
{
    const size_t bit = bitOf(key);
    const quint64 mask = quint64(1) << (bit % 64);
    quint64 &seen = m_seen[bit / 64];
    if (seen & mask)
        m_twice[bit / 64] |= mask;
    seen |= mask;
}

bool NameCertainty::prepare(const QStringList &inputs, const ScanOptions &options, const std::atomic<bool> *cancel)
{
    m_seen.assign(kBitsetBits / 64, 0);
    m_twice.assign(kBitsetBits / 64, 0);
    for (const QString &input : inputs) {
        const QString path = QDir::cleanPath(QFileInfo(input).absoluteFilePath());
        struct stat st;
        if (::stat(QFile::encodeName(path).constData(), &st) != 0)
            continue;   // the walk reports it; nothing to accept
        if (S_ISDIR(st.st_mode)) {
            if (!walk(path, options, cancel, 0))
                return false;
        } else {
            const QString name = QFileInfo(path).fileName();
            if (isCandidate(name))
                count(keyOfFileName(name));
        }
    }
    return !(cancel && cancel->load(std::memory_order_relaxed));
}

bool NameCertainty::walk(const QString &folder, const ScanOptions &options, const std::atomic<bool> *cancel,
                         int depth)
{
    if (depth > kMaxDepth || (cancel && cancel->load(std::memory_order_relaxed)))
        return false;
    DIR *dir = ::opendir(QFile::encodeName(folder).constData());
    if (!dir)
        return true;   // unreadable: the walk skips it too
    QStringList folders;
    bool ok = true;
    while (const dirent *ent = ::readdir(dir)) {
        if (std::strcmp(ent->d_name, ".") == 0 || std::strcmp(ent->d_name, "..") == 0)
            continue;
        const QString name = QFile::decodeName(ent->d_name);
        if (!options.includeHidden && name.startsWith(QLatin1Char('.')))
            continue;   // the walk skips hidden entries too
        unsigned char type = ent->d_type;
        if (type == DT_UNKNOWN || type == DT_LNK) {
            struct stat st;
            const QByteArray native = QFile::encodeName(childPath(folder, name));
            if (::lstat(native.constData(), &st) != 0)
                continue;
            if (S_ISLNK(st.st_mode)) {
                if (!options.followSymlinks || ::stat(native.constData(), &st) != 0)
                    continue;   // not followed, or broken: never accepted
                if (S_ISDIR(st.st_mode)) {
                    ok = false;   // its files would be accepted under the link's path
                    break;
                }
            }
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_DIR) {
            if (options.recursive)
                folders << childPath(folder, name);
        } else if (type == DT_REG && isCandidate(name)) {
            count(keyOfFileName(name));
        }
    }
    ::closedir(dir);
    for (const QString &sub : std::as_const(folders)) {
        if (!ok || !walk(sub, options, cancel, depth + 1))
            return false;
    }
    return ok;
}

bool NameCertainty::isFinal(const QString &base, const QString &key) const
{
    // A raised name of another group has a "__" prefix or a "-<hex>" tag (BatchNaming levels 1
    // and 2+); a name over the byte limit is raised itself.
    static const QRegularExpression hashTag(QStringLiteral("-[0-9a-f]{8,}(\\.[^.]*)?$"));
    if (m_seen.empty() || key.contains(QLatin1String("__")) || hashTag.match(key).hasMatch()
        || base.toUtf8().size() > BatchNaming::kMaxNameBytes)
        return false;
    const size_t bit = bitOf(key);
    const quint64 mask = quint64(1) << (bit % 64);
    // Not seen: the pre-pass missed it (the folder changed meanwhile): not certain either.
    return (m_seen[bit / 64] & mask) && !(m_twice[bit / 64] & mask);
}

EarlyShardBuilder::EarlyShardBuilder(EarlyShardOptions options, NameCertainty certainty)
    : m_options(std::move(options)), m_certainty(std::move(certainty))
{
    m_options.shardMaxFiles = qMax(1, m_options.shardMaxFiles);
    m_options.shardMaxBytes = qMax<qint64>(1, m_options.shardMaxBytes);
}

void EarlyShardBuilder::accepted(ScanStore *store, const ScannedFile &file, const QString &base,
                                 const QString &key, int imagesAccepted)
{
    if (file.kind != MediaKind::Image)
        return;
    if (m_full && !flush(store, imagesAccepted))
        return;   // the window is full: this file waits for the plan after the scan
    if (!m_certainty.isFinal(base, key))
        return;
    add(store, file, base, store->lastAcceptedRow(), imagesAccepted, Window::Respect);
}

bool EarlyShardBuilder::add(ScanStore *store, const ScannedFile &file, const QString &name, qint64 row,
                            int imagesAccepted, Window window)
{
    if (m_full && !flush(store, imagesAccepted, window))
        return false;   // (the store refused to mark it: nothing more goes early)
    // ShardFiller's rule: full at maxFiles, or when the next file would pass maxBytes.
    if (!m_shard.members.isEmpty() && m_shard.payloadBytes + file.size > m_options.shardMaxBytes) {
        m_full = true;
        if (!flush(store, imagesAccepted, window))
            return false;
    }
    m_shard.members.push_back({ file.path, name, file.size, file.mtime.toSecsSinceEpoch() });
    m_rows.push_back(row);
    m_shard.payloadBytes += file.size;
    if (m_shard.members.size() >= m_options.shardMaxFiles) {
        m_full = true;
        flush(store, imagesAccepted, window);
    }
    return true;
}

void EarlyShardBuilder::walkEnded(ScanStore *store, int imagesAccepted)
{
    if (imagesAccepted <= m_options.simpleMaxImages || m_options.tailShards <= 0)
        return;   // not sharded (the plan decides), or no tail asked for
    // Rows of the shard being filled are not marked yet: the look-up below must not take them again.
    const QSet<qint64> filling(m_rows.cbegin(), m_rows.cend());
    const int shardsBefore = m_handedOut;
    const int limit = m_options.tailShards * m_options.shardMaxFiles;
    for (const auto &[row, file] : store->imagesLeftToThePlan(limit)) {
        if (m_handedOut - shardsBefore >= m_options.tailShards)
            break;
        const int slash = file.path.lastIndexOf(QLatin1Char('/'));
        if (filling.contains(row) || !m_certainty.isFinal(file.batchName, NameCertainty::keyOfFileName(file.path.mid(slash + 1))))
            continue;
        if (!add(store, file, file.batchName, row, imagesAccepted, Window::Ignore))
            return;
    }
    if (!m_shard.members.isEmpty() && m_handedOut - shardsBefore < m_options.tailShards)
        flush(store, imagesAccepted, Window::Ignore);   // the last one, not full (else left to the plan)
}

bool EarlyShardBuilder::flush(ScanStore *store, int imagesAccepted, Window window)
{
    if (imagesAccepted <= m_options.simpleMaxImages
        || (window == Window::Respect && m_options.waiting->load() >= m_options.window))
        return false;
    if (!store->markEarly(m_rows))
        return false;
    m_options.waiting->fetch_add(1);
    m_options.handOut(std::move(m_shard));
    ++m_handedOut;
    m_shard = {};
    m_rows.clear();
    m_full = false;
    return true;
}

}  // namespace bd::staging
