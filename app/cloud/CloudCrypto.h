#pragma once
// The few primitives cloud signing needs, on OpenSSL: SHA-256, HMAC-SHA256, RSA-SHA256 with a
// PEM private key, and the URI encoding the signature schemes agree on (RFC 3986 unreserved).
#include <QByteArray>
#include <QString>

namespace bd::cloud {

QByteArray sha256(const QByteArray &data);
QByteArray sha256Hex(const QByteArray &data);
QByteArray hmacSha256(const QByteArray &key, const QByteArray &data);
// RSASSA-PKCS1-v1_5 with SHA-256. Empty result (and errorText) if the key cannot be used.
QByteArray rsaSha256Sign(const QByteArray &pemPrivateKey, const QByteArray &data, QString *errorText = nullptr);
QByteArray base64Url(const QByteArray &data);   // no padding (JWT)
// Percent-encode every byte except A-Z a-z 0-9 - _ . ~ (and '/' when keepSlash).
QByteArray uriEncode(const QByteArray &utf8, bool keepSlash = false);
inline QByteArray uriEncode(const QString &s, bool keepSlash = false) { return uriEncode(s.toUtf8(), keepSlash); }

}  // namespace bd::cloud
