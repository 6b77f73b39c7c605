#include "staging/IngestLock.h"

#include "core/Database.h"
#include "core/PrivateFiles.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bd::staging {

IngestLock::~IngestLock()
{
    release();
}

void IngestLock::release()
{
    if (m_fd >= 0) {
        ::close(m_fd);   // closing the last descriptor drops the flock
        m_fd = -1;
    }
}

bool IngestLock::acquire(const QString &key, const QString &what, Error *error)
{
    release();
    const QString dir = appDataDir() + QStringLiteral("/locks");
    makePrivateDir(dir);
    m_path = dir + QStringLiteral("/ingest-")
             + QString::fromLatin1(QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex().left(32))
             + QStringLiteral(".lock");
    const int fd = ::open(QFile::encodeName(m_path).constData(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot create the ingest lock %1: %2")
                                              .arg(m_path, QString::fromLocal8Bit(std::strerror(errno))));
        return false;
    }
    // flock locks belong to the open file description: a second open in this same process
    // conflicts too, so two ingests of one GUI session are kept apart as well.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char buffer[32] = {};
        const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
        ::close(fd);
        const QString pid = n > 0 ? QString::fromLatin1(buffer, int(n)).trimmed() : QString();
        if (error) {
            if (err == EWOULDBLOCK)
                *error = Error(ErrorKind::Conflict,
                               QStringLiteral("Another Batchdeck process%1 is already running this ingest (%2). "
                                              "Nothing was sent, so no file goes up twice. Wait for it to finish, "
                                              "or stop it, then run the same command again: it resumes where the "
                                              "other one stopped.")
                                   .arg(pid.isEmpty() ? QString() : QStringLiteral(" (pid %1)").arg(pid), what));
            else
                *error = Error(ErrorKind::Io, QStringLiteral("Cannot lock %1: %2")
                                                  .arg(m_path, QString::fromLocal8Bit(std::strerror(err))));
        }
        return false;
    }
    ::fchmod(fd, 0600);
    const QByteArray pid = QByteArray::number(QCoreApplication::applicationPid()) + '\n';
    if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.constData(), size_t(pid.size()), 0);
    }
    m_fd = fd;
    return true;
}

}  // namespace bd::staging
