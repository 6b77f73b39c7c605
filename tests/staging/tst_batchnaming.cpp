// BatchNaming: unique flat names that depend only on the set of paths; batch id helpers.
#include "staging/BatchNaming.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <algorithm>

using bd::staging::BatchNaming;

namespace {
QMap<QString, QString> nameMap(const QStringList &paths)
{
    const QStringList names = BatchNaming::uniqueNames(paths);
    QMap<QString, QString> m;
    for (int i = 0; i < paths.size(); ++i)
        m.insert(paths.at(i), names.at(i));
    return m;
}

bool allUniqueCaseInsensitive(const QStringList &names)
{
    QSet<QString> seen;
    for (const QString &n : names)
        seen.insert(n.toCaseFolded());
    return seen.size() == names.size();
}
}  // namespace

class TstBatchNaming : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void uniqueBasenamesAreKept()
    {
        const QStringList paths{ "/d/x/one.jpg", "/d/y/two.jpg", "/e/three.png" };
        QCOMPARE(BatchNaming::uniqueNames(paths), QStringList({ "one.jpg", "two.jpg", "three.png" }));
    }

    void collisionsGetRelativeFolderPrefix()
    {
        const auto m = nameMap({ "/data/a/b/img.jpg", "/data/c/img.jpg", "/data/img.jpg", "/data/other.jpg" });
        QCOMPARE(m.value("/data/a/b/img.jpg"), QStringLiteral("a__b__img.jpg"));
        QCOMPARE(m.value("/data/c/img.jpg"), QStringLiteral("c__img.jpg"));
        QCOMPARE(m.value("/data/img.jpg"), QStringLiteral("img.jpg"));
        QCOMPARE(m.value("/data/other.jpg"), QStringLiteral("other.jpg"));
    }

    void caseInsensitiveCollisionsAreSeparated()
    {
        const auto m = nameMap({ "/p/one/IMG.JPG", "/p/two/img.jpg" });
        QCOMPARE(m.value("/p/one/IMG.JPG"), QStringLiteral("one__IMG.JPG"));
        QCOMPARE(m.value("/p/two/img.jpg"), QStringLiteral("two__img.jpg"));
    }

    void stillCollidingNamesGetAHash()
    {
        // "a__b/img.jpg" and "a/b__img.jpg" and a literal "a__b__img.jpg" all flatten alike.
        const QStringList paths{ "/r/a__b/img.jpg", "/r/a/b__img.jpg", "/r/x/a__b__img.jpg", "/r/y/img.jpg" };
        const QStringList names = BatchNaming::uniqueNames(paths);
        QVERIFY2(allUniqueCaseInsensitive(names), qPrintable(names.join(", ")));
        const QRegularExpression hashed(QStringLiteral("^a__b__img-[0-9a-f]{8}\\.jpg$"));
        QVERIFY2(hashed.match(names.at(0)).hasMatch(), qPrintable(names.at(0)));
        QVERIFY2(names.at(2).endsWith(QLatin1String(".jpg")), qPrintable(names.at(2)));
        QCOMPARE(names.at(3), QStringLiteral("y__img.jpg"));
    }

    void independentOfOrder()
    {
        QStringList paths;
        for (int d = 0; d < 20; ++d)
            for (int i = 0; i < 5; ++i)
                paths << QStringLiteral("/base/f%1/sub%2/img%3.jpg").arg(d % 4).arg(d).arg(i);
        paths << "/base/f0__sub0__img0.jpg" << "/base/img1.jpg";
        const QMap<QString, QString> reference = nameMap(paths);
        QVERIFY(allUniqueCaseInsensitive(reference.values()));
        QStringList shuffled = paths;
        for (int round = 0; round < 5; ++round) {
            std::shuffle(shuffled.begin(), shuffled.end(), *QRandomGenerator::global());
            QCOMPARE(nameMap(shuffled), reference);
        }
    }

    void unsafeCharactersAreReplacedUnicodeKept()
    {
        QCOMPARE(BatchNaming::sanitize(QStringLiteral("a:b*c?d\"e<f>g|h\\i.jpg")), QStringLiteral("a_b_c_d_e_f_g_h_i.jpg"));
        QCOMPARE(BatchNaming::sanitize(QStringLiteral("tab\there\x01.png")), QStringLiteral("tab_here_.png"));
        QCOMPARE(BatchNaming::sanitize(QStringLiteral("Ärger 写真 😀.jpg")), QStringLiteral("Ärger 写真 😀.jpg"));
        QCOMPARE(BatchNaming::sanitize(QStringLiteral("..")), QStringLiteral("_"));
        QCOMPARE(BatchNaming::sanitize(QString()), QStringLiteral("_"));
        const auto m = nameMap({ QStringLiteral("/x/we:ird/p.jpg"), QStringLiteral("/x/ok/p.jpg") });
        QCOMPARE(m.value(QStringLiteral("/x/we:ird/p.jpg")), QStringLiteral("we_ird__p.jpg"));
    }

    void longPrefixesFallBackToBoundedHashedNames()
    {
        const QString deep = QStringLiteral("/root/") + QStringList(QVector<QString>(40, QStringLiteral("folder-name"))).join('/');
        const QStringList paths{ deep + "/img.jpg", "/root/img.jpg" };
        const QStringList names = BatchNaming::uniqueNames(paths);
        QVERIFY(allUniqueCaseInsensitive(names));
        QVERIFY(names.at(0).toUtf8().size() <= BatchNaming::kMaxNameBytes);
        QVERIFY2(names.at(0).endsWith(QLatin1String(".jpg")), qPrintable(names.at(0)));
        QVERIFY2(names.at(0).contains(QLatin1String("__img-")), qPrintable(names.at(0)));
    }

    void mappingMarksRenamedFiles()
    {
        QVector<bd::staging::ScannedFile> files(2);
        files[0].path = "/m/a/x.jpg";
        files[1].path = "/m/b/x.jpg";
        BatchNaming::assign(files);
        const auto mapping = BatchNaming::mapping(files);
        QCOMPARE(mapping.size(), 2);
        QCOMPARE(mapping.at(0).name, QStringLiteral("a__x.jpg"));
        QVERIFY(mapping.at(0).renamed);
        QCOMPARE(mapping.at(1).path, QStringLiteral("/m/b/x.jpg"));
    }

    void batchIdValidation()
    {
        QVERIFY(BatchNaming::isValidBatchId("my-batch_01"));
        QVERIFY(BatchNaming::isValidBatchId(QString(64, QLatin1Char('a'))));
        QVERIFY(!BatchNaming::isValidBatchId(QString(65, QLatin1Char('a'))));
        QVERIFY(!BatchNaming::isValidBatchId(""));
        QVERIFY(!BatchNaming::isValidBatchId("Upper"));
        QVERIFY(!BatchNaming::isValidBatchId("has space"));
        QVERIFY(!BatchNaming::isValidBatchId("dot.ted"));
    }

    void batchIdSuggestions()
    {
        QCOMPARE(BatchNaming::suggestBatchId("Holiday Photos 2024"), QStringLiteral("holiday-photos-2024"));
        QCOMPARE(BatchNaming::suggestBatchId(QStringLiteral("Café Crème")), QStringLiteral("cafe-creme"));
        QCOMPARE(BatchNaming::suggestBatchId("/home/me/Drone_Shots/"), QStringLiteral("drone_shots"));
        QCOMPARE(BatchNaming::suggestBatchId(QStringLiteral("写真")), QStringLiteral("batch"));
        QCOMPARE(BatchNaming::suggestBatchId("  a  b!!c "), QStringLiteral("a-bc"));
        const QString longId = BatchNaming::suggestBatchId(QString(100, QLatin1Char('x')));
        QCOMPARE(longId.size(), 64);
        for (const QString &in : { QStringLiteral("Ünïcode Ⅻ folder"), QStringLiteral("---"), QStringLiteral("A.B.C") })
            QVERIFY2(BatchNaming::isValidBatchId(BatchNaming::suggestBatchId(in)), qPrintable(in));
    }
};

QTEST_GUILESS_MAIN(TstBatchNaming)
#include "tst_batchnaming.moc"
