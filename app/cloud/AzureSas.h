#pragma once
// Azure Blob Storage authorization without an SDK: service SAS for one blob (read-only, signed
// with the account key), URLs that reuse a user's SAS token, and the SharedKey header for List
// Blobs. Credentials come from AZURE_STORAGE_ACCOUNT_NAME / AZURE_STORAGE_ACCOUNT and
// AZURE_STORAGE_SAS_TOKEN (preferred) / AZURE_STORAGE_ACCOUNT_KEY / AZURE_STORAGE_KEY (§7.3).
#include "core/Error.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QPair>
#include <QProcessEnvironment>
#include <QString>

namespace bd::cloud {

inline constexpr char kAzureSasVersion[] = "2022-11-02";
inline constexpr char kAzureApiVersion[] = "2021-08-06";

struct AzureCredentials {
    QString account;
    QString sasToken;     // without the leading '?'
    QString accountKey;   // base64
    QString endpoint;     // default https://<account>.blob.core.windows.net; emulators override

    bool isValid() const { return !account.isEmpty() && (!sasToken.isEmpty() || !accountKey.isEmpty()); }
    QString accountUrl() const;   // endpoint without trailing '/'
    // AZURE_STORAGE_BLOB_ENDPOINT overrides the endpoint (Azurite and sovereign clouds).
    static AzureCredentials resolve(const QProcessEnvironment &env, Error *error = nullptr);
};

struct AzureSasParams {
    QString permissions = QStringLiteral("r");
    QDateTime start;          // optional
    QDateTime expiry;
    QString protocol = QStringLiteral("https");   // "https" or "https,http"
    QString version = QLatin1String(kAzureSasVersion);
};

class AzureSas
{
public:
    // The string-to-sign of a blob service SAS (version 2020-12-06 and later layout).
    static QByteArray stringToSign(const QString &account, const QString &container, const QString &blob,
                                   const AzureSasParams &params);
    // "sv=...&spr=...&se=...&sr=b&sp=r&sig=..." (values URL-encoded).
    static QString blobSasToken(const AzureCredentials &credentials, const QString &container, const QString &blob,
                                const AzureSasParams &params);
    // A GET URL for the blob: the user's SAS token reused as-is when present, else a fresh SAS.
    static QString blobUrl(const AzureCredentials &credentials, const QString &container, const QString &blob,
                           const QDateTime &expiry);
    // SharedKey Authorization for a request (x-ms-date / x-ms-version must already be in headers).
    static QByteArray sharedKeyStringToSign(const QByteArray &method, const QString &account, const QString &path,
                                            const QList<QPair<QString, QString>> &query,
                                            const QMap<QString, QString> &headers);
    static QByteArray sharedKeyAuthorization(const AzureCredentials &credentials, const QByteArray &method,
                                             const QString &path, const QList<QPair<QString, QString>> &query,
                                             const QMap<QString, QString> &headers);
    static QString isoTime(const QDateTime &t);   // 2024-01-02T03:04:05Z
};

}  // namespace bd::cloud
