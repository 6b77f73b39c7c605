// Secrets are masked in every text the core produces.
#include "core/Error.h"
#include "core/Redact.h"

#include <QTest>

class TstRedact : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void masksApiKeyQueryValue()
    {
        const QString in = QStringLiteral("GET https://api.roboflow.com/x?api_key=SECRET123&pageSize=10");
        const QString out = bd::redact(in);
        QVERIFY(!out.contains(QStringLiteral("SECRET123")));
        QVERIFY(out.contains(QStringLiteral("api_key=***&pageSize=10")));
    }
    void masksSignaturesAndBearer()
    {
        QString out = bd::redact(QStringLiteral("u?X-Amz-Signature=abcdef&b=1 Authorization: Bearer rf_zzz"));
        QVERIFY(!out.contains(QStringLiteral("abcdef")));
        QVERIFY(!out.contains(QStringLiteral("rf_zzz")));
    }
    void masksRegisteredSecretAnywhere()
    {
        bd::registerSecret(QStringLiteral("key-in-a-body-42"));
        const QString out = bd::redact(QStringLiteral("{\"error\":\"bad key key-in-a-body-42\"}"));
        QVERIFY(!out.contains(QStringLiteral("key-in-a-body-42")));
    }
    void errorMessagesAreRedacted()
    {
        bd::Error e(bd::ErrorKind::Network, QStringLiteral("cannot reach http://h/?api_key=TOPSECRET"), 0,
                    QStringLiteral("body api_key=TOPSECRET"));
        QVERIFY(!e.fullText().contains(QStringLiteral("TOPSECRET")));
    }
};

QTEST_GUILESS_MAIN(TstRedact)
#include "tst_redact.moc"
