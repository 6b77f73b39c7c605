// Fuzz target: bytes -> <dir>/.export_log.jsonl (spec §8.3) -> ExportLog::load, and each line
// through ExportLog::decodeLine.
// Asserts: no crash; an existing log always loads (bad lines become problems, never a failure);
// every accepted entry writes back (encodeLine) as a single line that reads back to the same file
// identity, name, URL and local path, so a logged file is never downloaded twice.
#include "FuzzSupport.h"

#include "exports/ExportLog.h"

#include <QDir>
#include <QFile>

#include <unistd.h>

using bd::ExportLog;

namespace {

void checkRoundTrip(const ExportLog::Entry &entry)
{
    const QByteArray line = ExportLog::encodeLine(entry.file, entry.localPath);
    fuzzsupport::check(!line.contains('\n'), "an encoded log line contains a newline", line.constData());
    ExportLog::Entry back;
    QString why;
    fuzzsupport::check(ExportLog::decodeLine(line, &back, &why), "an encoded line does not decode",
                       qPrintable(why + QStringLiteral(" | ") + QString::fromUtf8(line)));
    fuzzsupport::check(back.file.identityKey() == entry.file.identityKey(), "the identity key changes on a round trip",
                       line.constData());
    fuzzsupport::check(back.file.fileName == entry.file.fileName && back.file.downloadUrl == entry.file.downloadUrl
                           && back.localPath == entry.localPath,
                       "a field changes on a round trip", line.constData());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QString dir = [] {
        const char *tmp = std::getenv("TMPDIR");
        const QString d = QString::fromLocal8Bit(tmp && *tmp ? tmp : "/tmp") + QStringLiteral("/bd-fuzz-exportlog-%1").arg(::getpid());
        QDir().mkpath(d);
        return d;
    }();
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    ExportLog log(dir);
    {
        QFile file(log.path());
        fuzzsupport::check(file.open(QIODevice::WriteOnly | QIODevice::Truncate), "cannot write the input file");
        file.write(bytes);
    }
    bd::Error error;
    fuzzsupport::check(log.load(&error), "a readable log failed to load", qPrintable(error.message));
    QFile::remove(log.path());
    for (const ExportLog::Entry &entry : log.entries()) {
        fuzzsupport::check(log.contains(entry.file.identityKey()), "a loaded entry is not found by its key");
        checkRoundTrip(entry);
    }
    for (const QByteArray &line : bytes.split('\n')) {
        ExportLog::Entry entry;
        QString why;
        if (ExportLog::decodeLine(line, &entry, &why))
            checkRoundTrip(entry);
        else
            fuzzsupport::check(!why.isEmpty(), "a refused line without a reason");
    }
    return 0;
}
