#pragma once
// sha256 (hex) of bytes and of files, for byte-for-byte comparisons in tests.
#include <QByteArray>
#include <QCryptographicHash>
#include <QFile>
#include <QString>

namespace sandboxtest {

inline QByteArray sha256(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

// Empty when the file cannot be read.
inline QByteArray fileSha256(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}

}  // namespace sandboxtest
