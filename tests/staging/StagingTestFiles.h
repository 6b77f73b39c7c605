#pragma once
// Small helpers to write real files with real image signatures for the staging tests.
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>

namespace stagingtest {

inline QByteArray jpegBytes(int size = 64)
{
    QByteArray b("\xFF\xD8\xFF\xE0", 4);
    while (b.size() < size)
        b.append(char('A' + b.size() % 26));
    return b.left(qMax(size, 4));
}

inline QByteArray pngBytes(int size = 64)
{
    QByteArray b("\x89PNG\r\n\x1A\n", 8);
    while (b.size() < size)
        b.append(char(b.size() % 251));
    return b;
}

inline QByteArray webpBytes(int size = 64)
{
    QByteArray b("RIFF\x10\x00\x00\x00WEBPVP8 ", 16);
    while (b.size() < size)
        b.append('w');
    return b;
}

// Writes bytes to root/relPath, creating folders; returns the absolute path.
inline QString writeFile(const QString &root, const QString &relPath, const QByteArray &bytes)
{
    const QString path = root + QLatin1Char('/') + relPath;
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
    return path;
}

// A file of the given size whose first bytes are a JPEG signature (sparse: cheap to create).
inline QString writeSparseJpeg(const QString &root, const QString &relPath, qint64 size)
{
    const QString path = writeFile(root, relPath, jpegBytes(16));
    QFile f(path);
    if (!f.resize(size))
        qFatal("cannot resize %s", qPrintable(path));
    return path;
}

}  // namespace stagingtest
