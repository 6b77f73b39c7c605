// Asset Library jobs end to end against the embedded sandbox over loopback HTTP (issue 13): the
// spec's validation and wire JSON; one job after a create whose answer the sandbox cuts; the same
// key after a run that never got an answer (a re-run after a crash); a reused key with another
// body (409, nested error shape); Bearer-only calls proved from the sandbox's request log; jobs
// over ids, a RoboQL query and the whole library that run to the end.
#include "JobMonitorFixture.h"

#include "core/Database.h"
#include "jobs/AssetLibraryLauncher.h"

#include <QSignalSpy>
#include <QTemporaryDir>

using namespace bd;
using namespace bd::jobs;
using namespace bdtest;

namespace {

AssetLibraryJobSpec idsSpec(const QStringList &ids, const QString &workflow = QStringLiteral("detect-cars"))
{
    AssetLibraryJobSpec spec;
    spec.selection = AssetSelection::ImageIds;
    spec.imageIds = ids;
    spec.workflowId = workflow;
    spec.maxParallelTasks = 8;
    return spec;
}

// Runs a launcher to its end.
struct Launch {
    std::unique_ptr<AssetLibraryLauncher> launcher;
    const Error &error() const { return launcher->error(); }
};

Launch launch(api::ApiClient &api, const AssetLibraryJobSpec &spec)
{
    Launch l{std::make_unique<AssetLibraryLauncher>(&api)};
    QSignalSpy done(l.launcher.get(), &AssetLibraryLauncher::finished);
    l.launcher->start(spec);
    if (!done.wait(60000))
        qWarning("the launcher did not finish");
    return l;
}

// The Asset Library jobs ("al-…") the service has, from every page of B1.
QStringList assetJobs(api::ApiClient &api)
{
    std::unique_ptr<api::ListJobsCall> list(api.listJobs(100));
    list->setMaxPages(0);
    if (!list->exec())
        return {QStringLiteral("list failed: ") + list->error().fullText()};
    QStringList ids;
    for (const api::Job &job : list->result())
        if (job.jobId.startsWith(QLatin1String("al-")))
            ids << job.jobId;
    return ids;
}

api::Job waitTerminal(api::ApiClient &api, const QString &jobId)
{
    api::Job job;
    for (int i = 0; i < 600; ++i) {
        std::unique_ptr<api::GetJobCall> get(api.getJob(jobId));
        if (get->exec()) {
            job = get->result();
            if (job.isTerminal)
                return job;
        }
        QTest::qWait(100);
    }
    return job;
}

}  // namespace

class TestAssetLibraryJobs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("BATCHDECK_DATA_DIR", m_dir.path().toUtf8());
        setDatabasePath(m_dir.filePath(QStringLiteral("batchdeck.sqlite")));
    }

    void init()
    {
        m_sandbox = startSandbox(400);
        m_api = std::make_unique<api::ApiClient>(configFor(m_sandbox->apiUrl()));
    }
    void cleanup()
    {
        m_api.reset();
        m_sandbox.reset();
    }

    void specValidatesLikeTheOtherJobKinds()
    {
        AssetLibraryJobSpec spec;
        spec.selection = AssetSelection::AllImages;
        FieldProblems p = spec.validate();
        QVERIFY(hasProblem(p, QStringLiteral("workflowId")));
        QVERIFY(hasProblem(p, QStringLiteral("allImages")));   // not confirmed
        spec.workflowId = QStringLiteral("wf");
        spec.allImagesConfirmed = true;
        spec.maxImageFailureRate = 2;
        spec.idempotencyKey = QStringLiteral("short");
        p = spec.validate();
        QVERIFY(hasProblem(p, QStringLiteral("maxImageFailureRate")));
        QVERIFY(hasProblem(p, QStringLiteral("idempotencyKey")));
        spec.selection = AssetSelection::Query;
        spec.query = QStringLiteral("   ");
        QVERIFY(hasProblem(spec.validate(), QStringLiteral("query")));
        spec.selection = AssetSelection::ImageIds;
        QVERIFY(hasProblem(spec.validate(), QStringLiteral("imageIds")));
    }

    void imageIdsFileIsReadForgivinglyAndBadLinesAreNamed()
    {
        FieldProblems problems;
        const QStringList ids = parseImageIds("asset-01, asset-02\n# a comment\nasset-02 asset-03 # dup dropped\n\n"
                                              "bad\"id\n",
                                              &problems);
        QCOMPARE(ids, (QStringList{QStringLiteral("asset-01"), QStringLiteral("asset-02"), QStringLiteral("asset-03")}));
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.at(0).message.startsWith(QStringLiteral("line 5:")), qPrintable(problems.at(0).message));
    }

    void cliOptionsRoundTripAndNeedExactlyOneSelection()
    {
        AssetLibraryJobSpec spec = idsSpec({QStringLiteral("asset-01")});
        spec.selection = AssetSelection::Query;
        spec.query = QStringLiteral("tag:cars AND NOT tag:night");
        spec.machineType = QStringLiteral("gpu");
        spec.jobName = QStringLiteral("cars");
        spec.idempotencyKey = QStringLiteral("my-key-0001");
        FieldProblems problems;
        QStringList args = spec.toCliArguments();
        QCOMPARE(args.mid(0, 2), (QStringList{QStringLiteral("batch-processing"), QStringLiteral("process-asset-library-with-workflow")}));
        const AssetLibraryJobSpec back = AssetLibraryJobSpec::fromCliOptions(args.mid(2), &problems);
        QVERIFY2(problems.isEmpty(), qPrintable(describeProblems(problems)));
        QCOMPARE(back.toWireJson(QStringLiteral("k")), spec.toWireJson(QStringLiteral("k")));
        QCOMPARE(back.idempotencyKey, spec.idempotencyKey);

        AssetLibraryJobSpec::fromCliOptions({QStringLiteral("-w"), QStringLiteral("wf"), QStringLiteral("--all-images"),
                                             QStringLiteral("--query"), QStringLiteral("*")},
                                            &problems);
        QVERIFY(hasProblem(problems, QStringLiteral("selection")));
    }

    void wireJsonCarriesTheKeyAndTheFingerprintDoesNot()
    {
        AssetLibraryJobSpec spec = idsSpec({QStringLiteral("asset-01"), QStringLiteral("asset-02")});
        const QJsonObject wire = spec.toWireJson(QStringLiteral("bd-key-1234"));
        QCOMPARE(wire.value(QStringLiteral("idempotencyKey")).toString(), QStringLiteral("bd-key-1234"));
        QCOMPARE(wire.value(QStringLiteral("imageIds")).toArray().size(), 2);
        QCOMPARE(wire.value(QStringLiteral("workflowId")).toString(), QStringLiteral("detect-cars"));
        const QString fp = spec.fingerprint();
        spec.idempotencyKey = QStringLiteral("another-key");
        QCOMPARE(spec.fingerprint(), fp);
        spec.imageIds << QStringLiteral("asset-03");
        QVERIFY(spec.fingerprint() != fp);
    }

    // The sandbox creates the job, then cuts its answer: the retry with the same key gets the
    // same job id, and exactly one job exists.
    void idempotentCreateUnderACutConnection()
    {
        m_sandbox->setFaultPlan(QJsonObject{{QStringLiteral("rules"),
                                             QJsonArray{QJsonObject{{QStringLiteral("route"), QStringLiteral("A1")},
                                                                    {QStringLiteral("action"), QStringLiteral("cut")},
                                                                    {QStringLiteral("times"), 2}}}}});
        const Launch l = launch(*m_api, idsSpec({QStringLiteral("asset-01"), QStringLiteral("asset-07")}));
        QVERIFY2(!l.error().isError(), qPrintable(l.error().fullText()));
        QCOMPARE(l.launcher->attempts(), 3);
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("A1")), 3);
        QCOMPARE(assetJobs(*m_api), QStringList{l.launcher->jobId()});
    }

    // A run that ends without any answer (all attempts cut) leaves its key pending; the same
    // request run again reuses it and gets the job the first run started. Once answered, the same
    // request again is a new request: a second job, on purpose.
    void rerunAfterAnUnansweredRunReusesTheKey()
    {
        m_sandbox->setFaultPlan(QJsonObject{{QStringLiteral("rules"),
                                             QJsonArray{QJsonObject{{QStringLiteral("route"), QStringLiteral("A1")},
                                                                    {QStringLiteral("action"), QStringLiteral("cut")}}}}});
        api::ApiConfig config = configFor(m_sandbox->apiUrl());
        config.retry.maxAttempts = 2;
        config.retry.baseDelayMs = 10;
        api::ApiClient flaky(config);
        const AssetLibraryJobSpec spec = idsSpec({QStringLiteral("asset-02")}, QStringLiteral("rerun-wf"));
        const Launch first = launch(flaky, spec);
        // A cut answer reads as a dropped connection or a truncated body, depending on where it fell.
        QVERIFY2(first.error().kind == ErrorKind::Network || first.error().kind == ErrorKind::BadResponse,
                 qPrintable(first.error().fullText()));
        const QString key = first.launcher->idempotencyKey();
        QVERIFY(!key.isEmpty());
        const QStringList afterFirst = assetJobs(*m_api);
        QCOMPARE(afterFirst.size(), 1);   // the service did start it; the client never heard

        m_sandbox->setFaultPlan({});
        const Launch second = launch(*m_api, spec);
        QVERIFY2(!second.error().isError(), qPrintable(second.error().fullText()));
        QVERIFY(second.launcher->reusedPendingKey());
        QCOMPARE(second.launcher->idempotencyKey(), key);
        QCOMPARE(second.launcher->jobId(), afterFirst.first());
        QCOMPARE(assetJobs(*m_api), afterFirst);

        const Launch third = launch(*m_api, spec);
        QVERIFY(!third.error().isError());
        QVERIFY(!third.launcher->reusedPendingKey());
        QVERIFY(third.launcher->jobId() != afterFirst.first());
        QCOMPARE(assetJobs(*m_api).size(), 2);
    }

    void reusedKeyWithAnotherBodyIsAClearConflict()
    {
        AssetLibraryJobSpec spec = idsSpec({QStringLiteral("asset-03")});
        spec.idempotencyKey = QStringLiteral("user-given-key-1");
        const Launch first = launch(*m_api, spec);
        QVERIFY2(!first.error().isError(), qPrintable(first.error().fullText()));
        spec.imageIds = {QStringLiteral("asset-04")};
        const Launch second = launch(*m_api, spec);
        QCOMPARE(second.error().kind, ErrorKind::Conflict);
        QVERIFY2(second.error().detail.contains(QStringLiteral("idempotencyKey 'user-given-key-1' was already used")),
                 qPrintable(second.error().fullText()));
        QCOMPARE(assetJobs(*m_api).size(), 1);
    }

    void unknownIdsAndBadQueriesAreRefusedWithTheServiceMessage()
    {
        const Launch unknown = launch(*m_api, idsSpec({QStringLiteral("asset-01"), QStringLiteral("no-such-image")}));
        QCOMPARE(unknown.error().kind, ErrorKind::NotFound);
        QVERIFY2(unknown.error().detail.contains(QStringLiteral("no-such-image")), qPrintable(unknown.error().fullText()));
        AssetLibraryJobSpec query = idsSpec({});
        query.selection = AssetSelection::Query;
        query.query = QStringLiteral("tag:cars AND");
        const Launch bad = launch(*m_api, query);
        QCOMPARE(bad.error().kind, ErrorKind::BadRequest);
        QVERIFY2(bad.error().detail.startsWith(QStringLiteral("RoboQL")), qPrintable(bad.error().fullText()));
        QVERIFY(assetJobs(*m_api).isEmpty());
    }

    void liveCountFollowsTheQuery()
    {
        std::unique_ptr<api::AssetLibraryCountCall> all(m_api->assetLibraryCount());
        QVERIFY(all->exec());
        QCOMPARE(all->result(), qint64(40));
        std::unique_ptr<api::AssetLibraryCountCall> cars(m_api->assetLibraryCount(QStringLiteral("tag:cars AND tag:night")));
        QVERIFY2(cars->exec(), qPrintable(cars->error().fullText()));
        QCOMPARE(cars->result(), qint64(6));   // multiples of 6 up to 40
    }

    void jobsOverIdsQueryAndWholeLibraryRunToTheEnd()
    {
        AssetLibraryJobSpec byQuery = idsSpec({});
        byQuery.selection = AssetSelection::Query;
        byQuery.query = QStringLiteral("tag:dogs");
        AssetLibraryJobSpec whole = idsSpec({});
        whole.selection = AssetSelection::AllImages;
        whole.allImagesConfirmed = true;
        const QList<QPair<AssetLibraryJobSpec, int>> cases{
            {idsSpec({QStringLiteral("asset-05"), QStringLiteral("asset-06"), QStringLiteral("asset-07")}), 3},
            {byQuery, 8},
            {whole, 40}};
        for (const auto &c : cases) {
            const Launch l = launch(*m_api, c.first);
            QVERIFY2(!l.error().isError(), qPrintable(l.error().fullText()));
            const api::Job job = waitTerminal(*m_api, l.launcher->jobId());
            QVERIFY2(job.isTerminal && !job.error, qPrintable(l.launcher->jobId()));
            std::unique_ptr<api::BatchCountCall> inputs(m_api->batchCount(l.launcher->jobId() + QStringLiteral("-input")));
            QVERIFY(inputs->exec());
            QCOMPARE(inputs->result(), qint64(c.second));
        }
    }

    // "No request of these calls carries the key in its URL": read from the sandbox's own log.
    void assetLibraryCallsAreBearerOnlyAndNoUrlCarriesTheKey()
    {
        QVERIFY(!launch(*m_api, idsSpec({QStringLiteral("asset-09")})).error().isError());
        std::unique_ptr<api::AssetLibraryCountCall> count(m_api->assetLibraryCount(QStringLiteral("tag:cars")));
        QVERIFY(count->exec());
        int seen = 0;
        for (const sandbox::LoggedRequest &r : m_sandbox->requestLog()) {
            if (!r.routeId.startsWith(QLatin1Char('A')))
                continue;
            ++seen;
            QVERIFY2(r.scheme == sandbox::AuthScheme::Bearer, qPrintable(r.target));
            QVERIFY2(!r.target.contains(kKey), qPrintable(r.target));
            QVERIFY2(!r.target.contains(QLatin1String("api_key")), qPrintable(r.target));
        }
        QCOMPARE(seen, 2);
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<sandbox::Sandbox> m_sandbox;
    std::unique_ptr<api::ApiClient> m_api;
};

QTEST_GUILESS_MAIN(TestAssetLibraryJobs)
#include "tst_assetlibrary_jobs.moc"
