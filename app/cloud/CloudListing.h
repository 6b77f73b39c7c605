#pragma once
// Lists the objects under a bucket path (S3 ListObjectsV2, GCS JSON objects.list, Azure List
// Blobs), page by page over QNetworkAccessManager, keeping keys that pass the §7.3 pattern and the
// image/video extension filter. Progress: Items = objects seen, Files = objects kept (live).
// Zero matches ends with InvalidInput naming the supported extensions (§7.3 step 6).
#include "cloud/AwsCredentials.h"
#include "cloud/AzureSas.h"
#include "cloud/BucketPath.h"
#include "cloud/GcsV4Signer.h"
#include "cloud/ReferencesBuilder.h"
#include "core/Operation.h"

#include <QPointer>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace bd::cloud {

class CloudListing : public Operation
{
    Q_OBJECT
public:
    CloudListing(BucketPath path, MediaKind kind, QObject *parent = nullptr);
    ~CloudListing() override;

    void setAwsCredentials(const AwsCredentials &credentials) { m_aws = credentials; }
    // Temporary AWS credentials: before each page, credentials in their refresh window
    // (AwsCredentials::needsRefresh) are replaced by what `refresher` returns, run on the thread
    // pool (it makes blocking network calls).
    using AwsRefresher = std::function<AwsCredentials(Error *)>;
    void setAwsRefresher(AwsRefresher refresher) { m_awsRefresher = std::move(refresher); }
    const AwsCredentials &awsCredentials() const { return m_aws; }
    int credentialRefreshes() const { return m_refreshes; }
    void setAzureCredentials(const AzureCredentials &credentials) { m_azure = credentials; }
    // Either a ready OAuth2 access token, or a service account whose JWT is exchanged first.
    void setGcsAccessToken(const QString &token) { m_gcsToken = token; }
    void setGcsServiceAccount(const GcsServiceAccount &account) { m_gcsAccount = account; }
    // JSON API root, default https://storage.googleapis.com (tests and emulators override).
    void setGcsApiRoot(const QString &root) { m_gcsRoot = root; }
    void setPageSize(int size) { m_pageSize = size; }

    const QVector<CloudObject> &objects() const { return m_objects; }
    int pagesFetched() const { return m_pages; }

protected:
    void doStart() override;
    void doCancel() override;

private:
    void requestGcsToken();
    void requestPage();
    void refreshAwsThenRequest();
    void onReply();
    bool parseS3(const QByteArray &body, QString *next);
    bool parseGcs(const QByteArray &body, QString *next);
    bool parseAzure(const QByteArray &body, QString *next);
    void consider(const QString &key, qint64 size);
    void finishListing();
    Error httpError(QNetworkReply *reply, const QByteArray &body) const;

    BucketPath m_path;
    MediaKind m_kind;
    AwsCredentials m_aws;
    AwsRefresher m_awsRefresher;
    int m_refreshes = 0;
    bool m_refreshing = false;
    AzureCredentials m_azure;
    GcsServiceAccount m_gcsAccount;
    QString m_gcsToken;
    QString m_gcsRoot = QStringLiteral("https://storage.googleapis.com");
    int m_pageSize = 1000;
    QNetworkAccessManager *m_nam = nullptr;
    QPointer<QNetworkReply> m_reply;
    bool m_tokenRequest = false;
    QString m_next;   // continuation token / page token / marker
    int m_pages = 0;
    qint64 m_seen = 0;
    QVector<CloudObject> m_objects;
};

}  // namespace bd::cloud
