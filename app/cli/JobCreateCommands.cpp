// batch-processing commands that create jobs (B3): process-images-with-workflow,
// process-videos-with-workflow, trt-compile (spec §9.4). The options are declared here for
// parsing and --help; app/jobs builds and validates the wire JSON from the same words.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "jobs/JobSpecTrt.h"
#include "jobs/JobSpecWorkflow.h"

namespace bd::cli {
namespace {

QString s(const char *text) { return QString::fromLatin1(text); }

void addWorkflowOptions(CommandOptions &o, jobs::WorkflowInput input)
{
    const bool images = input == jobs::WorkflowInput::Images;
    o.addValue({s("b"), s("batch-id")}, s("Staging batch to process."), s("batch-id"), true);
    o.addValue({s("w"), s("workflow-id")}, s("Workflow to run."), s("workflow-id"), true);
    o.addValue({s("part-name")}, s("Part of a multipart input batch."), s("part"));
    if (images)
        o.addValue({s("images-metadata-part-name")}, s("Batch part carrying per-image metadata."), s("part"));
    o.addValue({s("machine-type")}, s("Machine type: cpu or gpu."), s("type"));
    o.addValue({s("workers-per-machine")}, s("Workers per machine."), s("n"));
    o.addValue({s("machine-size")}, s("Deprecated: xs, s, m, l, xl (use --workers-per-machine)."), s("size"));
    o.addValue({s("max-runtime-seconds")}, s("Total machine time budget in seconds."), s("s"));
    o.addValue({s("max-parallel-tasks")}, s("Maximum tasks run in parallel."), s("n"));
    if (images)
        o.addValue({s("max-image-failure-rate")}, s("Tolerated fraction of failed images (0.0-1.0)."), s("rate"));
    o.addValue({s("workflow-params")}, s("JSON file with the workflow parameters."), s("path"));
    o.addValue({s("image-input-name")}, s("Name of the workflow's image input."), s("name"));
    o.addFlag({s("save-image-outputs")}, s("Persist image outputs."));
    o.addFlag({s("no-save-image-outputs")}, s("Do not persist image outputs (default)."));
    o.addValue({s("image-outputs-to-save")}, s("Image output to persist (repeatable)."), s("output"));
    o.addValue({s("aggregation-format")}, s("Results format: csv or jsonl."), s("format"));
    if (!images)
        o.addValue({s("max-video-fps")}, s("Maximum frames per second to process."), s("fps"));
    if (images)
        o.addValue({s("mm"), s("metadata-mapping")}, s("workflow_input=metadata_key (repeatable)."), s("mapping"));
    o.addValue({s("notifications-url")}, s("Webhook for the job completion notification."), s("url"));
    o.addValue({s("inference-backend")}, s("old-inference or inference-models."), s("backend"));
    o.addValue({s("j"), s("job-id")}, s("Job id (default: generated)."), s("job-id"));
    o.addValue({s("jn"), s("job-name")}, s("Job name."), s("name"));
}

// W1 then B3; prints "Triggered job with ID: <id>" (or {"jobId", "response"} with --json).
int createJob(CliContext &ctx, const QString &jobId, const QString &jobName, const QJsonObject &definition)
{
    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->createJob(jobId, jobName, definition);
    if (!call->exec())
        return ctx.fail(call->error());
    if (ctx.isJson())
        ctx.printJson(QJsonObject{{s("jobId"), jobId}, {s("response"), call->result()}});
    else
        ctx.out() << "Triggered job with ID: " << jobId << Qt::endl;
    return 0;
}

int runWorkflowJob(CliContext &ctx, const QStringList &args, jobs::WorkflowInput input)
{
    CommandOptions opts(ctx);
    addWorkflowOptions(opts, input);
    if (auto rc = opts.parse(args))
        return *rc;
    jobs::FieldProblems problems;
    // The workspace comes from W1; validate with a stand-in first so that usage errors are
    // reported before any network call.
    jobs::WorkflowJobSpec spec = jobs::WorkflowJobSpec::fromCliOptions(input, args, s("pending"), &problems);
    if (spec.jobId.isEmpty())
        spec.jobId = jobs::generateJobId();
    problems += spec.validate();
    if (!problems.isEmpty())
        return ctx.usage(jobs::describeProblems(problems));

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *w1 = client->resolveWorkspace();
    if (!w1->exec())
        return ctx.fail(w1->error());
    spec.workspace = w1->result();
    return createJob(ctx, spec.jobId, spec.jobName, spec.toWireJson());
}

int processImages(CliContext &ctx, const QStringList &args)
{
    return runWorkflowJob(ctx, args, jobs::WorkflowInput::Images);
}

int processVideos(CliContext &ctx, const QStringList &args)
{
    return runWorkflowJob(ctx, args, jobs::WorkflowInput::Videos);
}

int trtCompile(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    opts.addValue({s("m"), s("model-id")}, s("Model to compile, e.g. project/3."), s("model-id"), true);
    opts.addValue({s("d"), s("device")}, s("Target device (repeatable): nvidia-l4, nvidia-t4, nvidia-l40s."),
                  s("device"), true);
    opts.addValue({s("j"), s("job-id")}, s("Job id (default: generated)."), s("job-id"));
    opts.addValue({s("jn"), s("job-name")}, s("Job name."), s("name"));
    opts.addValue({s("notifications-url")}, s("Webhook for the job completion notification."), s("url"));
    if (auto rc = opts.parse(args))
        return *rc;
    jobs::FieldProblems problems;
    jobs::TrtJobSpec spec = jobs::TrtJobSpec::fromCliOptions(args, &problems);
    if (spec.jobId.isEmpty())
        spec.jobId = jobs::generateJobId(true);
    problems += spec.validate();
    if (!problems.isEmpty())
        return ctx.usage(jobs::describeProblems(problems));
    return createJob(ctx, spec.jobId, spec.jobName, spec.toWireJson());
}

}  // namespace

QVector<CliCommand> jobCreateCommands()
{
    const QString g = s("batch-processing");
    return {
        {g, s("process-images-with-workflow"), s("Start a job running a workflow over a batch of images."),
         processImages},
        {g, s("process-videos-with-workflow"), s("Start a job running a workflow over a batch of videos."),
         processVideos},
        {g, s("trt-compile"), s("Start a TensorRT compilation job for a model."), trtCompile},
    };
}

}  // namespace bd::cli
