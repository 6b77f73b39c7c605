#pragma once
// ShardTarDevice: a read-only, sequential QIODevice producing one image shard's tar (spec §7.2)
// on the fly from the files on disk - no temp copy, never the whole tar in memory.
//
// The tar is uncompressed POSIX pax ("restricted": plain ustar headers unless a name needs a pax
// record), written by libarchive. Members are stored flat under their batch name with the file's
// own mode and the planned mtime (whole seconds), then the optional notification_config.json
// (mtime 0). exactSize() computes the byte count ahead so a PUT can carry Content-Length; if a
// file vanished or changed size since planning the device fails (errorString(), read() == -1)
// rather than send a tar that disagrees with it. Read it from the thread that owns it, in any
// chunk size. Sequential: a retry needs a new device.
#include "core/Error.h"
#include "staging/FileFingerprint.h"
#include "staging/IngestPlan.h"

#include <QByteArray>
#include <QIODevice>
#include <QVector>

#include <functional>
#include <memory>

struct archive;

namespace bd::staging {

namespace detail {
// Where libarchive's write callback puts the bytes it emits.
struct TarSink {
    QByteArray buffer;     // produced, not yet handed to QIODevice
    qint64 produced = 0;   // bytes emitted so far
    qint64 peak = 0;       // largest buffer size seen
    // Set while libarchive is handed file bytes that already sit in the reader's buffer: they
    // are counted (`passed`), not copied into `buffer`.
    bool passThrough = false;
    qint64 passed = 0;
};
}  // namespace detail

struct NotificationConfig {
    QString ingestId;
    QString notificationsUrl;
    bool isEmpty() const { return notificationsUrl.isEmpty(); }
};

class ShardTarDevice : public QIODevice
{
    Q_OBJECT
public:
    static constexpr qint64 kBufferCap = 1024 * 1024;   // internal buffer never grows beyond this
    static constexpr qint64 kDataChunk = 256 * 1024;    // file bytes read per step
    // A reader with room for this much (or for the rest of the member and one byte) gets file
    // bytes read straight into its buffer; a smaller one, through the scratch space.
    static constexpr qint64 kDirectMin = 16 * 1024;
    static constexpr qint64 kMaxMemberBytes = (qint64(1) << 33) - 1;   // ustar size field limit
    static const char *const kConfigMemberName;          // "notification_config.json"

    explicit ShardTarDevice(QVector<ShardMember> members, NotificationConfig config = {},
                            QObject *parent = nullptr);
    // With exactSize(members, config) computed before (a retry, the transfer that planned it):
    // skips the dry run. A wrong value fails the device at its end, never sends a wrong tar.
    ShardTarDevice(QVector<ShardMember> members, NotificationConfig config, qint64 knownExactSize,
                   QObject *parent = nullptr);
    ~ShardTarDevice() override;

    // Exact tar size for these members, or -1 when a member is unsuitable (size < 0 or over
    // kMaxMemberBytes, empty name). Costs a header-only libarchive dry run: no file is touched.
    static qint64 exactSize(const QVector<ShardMember> &members, const NotificationConfig &config = {});
    // The config member's bytes: {"ingestId":"…","notificationsURL":"…"}.
    static QByteArray notificationConfigJson(const NotificationConfig &config);

    bool open(OpenMode mode) override;
    void close() override;
    bool isSequential() const override { return true; }
    qint64 size() const override { return m_size; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

    // The failure, if any (ErrorKind::Io / InvalidInput), with a person-readable message.
    const Error &error() const { return m_error; }
    // Largest the internal buffer has been, for tests and diagnostics (≤ kBufferCap).
    qint64 peakBufferBytes() const { return m_sink.peak; }
    // Bytes of the file-read scratch space held now, for tests: none while every read had room
    // for kDirectMin; else the largest member + 1, at most kDataChunk + 1; none once closed.
    qint64 scratchBytes() const { return m_chunk.capacity(); }
    // Called once, just before readData() hands out the last bytes of the archive: from then on
    // the whole body may reach the service even if this process dies before its answer.
    void setBeforeLastBytes(std::function<void()> callback) { m_beforeLastBytes = std::move(callback); }
    const QVector<ShardMember> &members() const { return m_members; }
    // Each member's fingerprint as the device found it when it opened the file to send it (the
    // fstat before its bytes were read; the SHA-256 of the bytes sent when racy): what the
    // journal's "sent" record holds. Complete once the last bytes are reached (the callback
    // above runs after every file byte was read); shared, so it outlives the device.
    std::shared_ptr<const QVector<FileFingerprint>> fingerprints() const { return m_fingerprints; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    enum class Step { Header, Data, Config, Close, Done, Failed };

    bool produce();   // runs one step into m_sink.buffer; false after a failure
    bool startMember();
    bool copyMemberChunk();
    qint64 copyMemberDirect(char *to, qint64 room);
    bool readMemberBytes(char *to, qint64 want, bool probe);
    bool passMemberBytes(const char *bytes, qint64 n, bool alreadyDelivered);
    bool writeConfig();
    bool finishArchive();
    bool withinAnnouncedSize();   // fails the device when it is not
    bool fail(ErrorKind kind, const QString &message);
    bool archiveFailed(const char *what);
    void releaseArchive();
    void closeMemberFile();
    int openMemberFile(const QString &path);
    void closeFolder();

    QVector<ShardMember> m_members;
    NotificationConfig m_config;
    qint64 m_size = -1;
    Error m_error;

    struct archive *m_archive = nullptr;
    Step m_step = Step::Header;
    int m_memberIndex = 0;
    int m_fd = -1;                 // open member file
    int m_folderFd = -1;           // the last member's folder, open: its next members open in it
    QString m_folder;              // that folder's path
    qint64 m_memberRemaining = 0;  // bytes of the current member still to copy

    bool m_used = false;           // opened once already
    detail::TarSink m_sink;
    qint64 m_bufferPos = 0;        // read position in m_sink.buffer
    QByteArray m_chunk;            // file read scratch space, for readers asking for less than kDirectMin
    qint64 m_delivered = 0;        // bytes returned from readData
    std::function<void()> m_beforeLastBytes;
    std::shared_ptr<QVector<FileFingerprint>> m_fingerprints;   // one per member, filled as they start
    Sha256Stream m_memberHash;   // the current member's bytes, when it is racy
    bool m_hashing = false;      // the current member is racy
};

}  // namespace bd::staging
