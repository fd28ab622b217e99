//! `relais-loadgen handoff`: how many queued customers and concurrent advisor chats one
//! Relais server holds.
//!
//! Each run starts `relais serve` with a fresh temporary data directory, creates K advisors
//! through the admin API, logs them in and connects their panels; then N customers each ask
//! for a human and wait in the queue (time to `queued`, `queue_update` traffic, server memory
//! per queued customer); then the advisors accept up to their capacity (K × C chats) and both
//! sides write at a fixed rate (delivery latency each way, messages per second, server CPU and
//! memory). Every phase is bounded in time; the server is stopped at the end of each run.

mod agent;
mod customer;
mod frame;
mod report;
mod shared;

use std::{path::PathBuf, sync::Arc, time::Duration};

use tokio::{
    sync::{Semaphore, mpsc, watch},
    task::JoinSet,
    time::Instant,
};

use self::{
    agent::{AgentPlan, AgentSpec, Assignment},
    customer::{CustomerOutcome, CustomerPlan},
    report::{AcceptPhase, ChatPhase, Direction, HandoffRun, QueuePhase},
    shared::{ChatWindow, Live, Phase},
};
use crate::{
    child::{ServerProcess, expand_args, free_loopback_addr},
    duration::{format_duration, parse_duration},
    fleet::{Counts, count_label},
    process::{self, Pid},
    run::parse_rate,
    stats::LatencySummary,
};

/// Arguments of `relais-loadgen handoff`.
#[derive(Debug, clap::Args)]
pub(crate) struct HandoffArgs {
    /// The `relais` binary to start.
    #[arg(long, default_value = "target/release/relais")]
    relais_bin: PathBuf,
    /// Extra argument of `relais serve` (repeat the flag for each); `{addr}` and `{data}`
    /// are replaced as in `compare`. Added after `serve --addr --data --max-queue
    /// --max-sessions`.
    #[arg(long = "relais-arg", allow_hyphen_values = true)]
    relais_args: Vec<String>,
    /// Customers that ask for a human and wait in the queue.
    #[arg(long, default_value_t = 1_000)]
    customers: usize,
    /// Advisors, each speaking fr and en.
    #[arg(long, default_value_t = 10)]
    agents: usize,
    /// Chats each advisor holds at once (1 to 50).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    capacity: u32,
    /// Skills of the advisors, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "general")]
    skills: Vec<String>,
    /// Messages per second per chat, sent by each side.
    #[arg(long, default_value = "1", value_parser = parse_rate)]
    rate: f64,
    /// Most customers opening and queueing at the same time.
    #[arg(long, default_value_t = 64)]
    connect_concurrency: usize,
    /// Longest opening plus way into the queue of one customer.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    queue_timeout: Duration,
    /// Time left to the server once every customer is queued, before its memory is read.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    settle: Duration,
    /// Longest wait for all accepts to be answered.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    accept_timeout: Duration,
    /// Unmeasured chatting before the window.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    warmup: Duration,
    /// Length of the measured chat window.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,
    /// Time after the window for messages still in flight to arrive.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    drain: Duration,
    /// Longest wait for the server to accept connections after it starts.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    startup_timeout: Duration,
    /// Show the server's stderr (its logs).
    #[arg(long)]
    show_server_output: bool,
    /// Runs, each with a fresh server; figures are medians over them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Print every run and the medians as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `relais-loadgen handoff` and prints the report.
pub(crate) async fn run(args: HandoffArgs) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    for round in 1..=args.repeat {
        let run = one_run(&args).await?;
        eprintln!(
            "run {round}/{}: {} queued, {} chats, advisor→customer p99 {:.2} ms, customer→advisor p99 {:.2} ms",
            args.repeat,
            run.queue.queued,
            run.accept.accepted,
            run.chat.agent_to_customer.latency.p99_us as f64 / 1e3,
            run.chat.customer_to_agent.latency.p99_us as f64 / 1e3,
        );
        runs.push(run);
    }
    let figures: Vec<_> = runs.iter().map(HandoffRun::figures).collect();
    let medians = report::median_figures(&figures);
    if args.json {
        let json = serde_json::json!({"runs": runs, "median": medians});
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        let title = format!(
            "{} customers queued, {} advisors x {} chats, {} msg/s per chat per side, {} window after {} warm-up, median of {} run(s)",
            args.customers,
            args.agents,
            args.capacity,
            args.rate,
            format_duration(args.duration),
            format_duration(args.warmup),
            args.repeat
        );
        print!("{}", report::format_table(&title, &figures, &medians));
        println!(
            "\nerrors over all runs: {}",
            crate::report::describe_counts(&report::all_errors(&runs))
        );
    }
    Ok(())
}

/// One run against a fresh server.
async fn one_run(args: &HandoffArgs) -> anyhow::Result<HandoffRun> {
    let addr = free_loopback_addr()?;
    let data = tempfile::tempdir()?;
    let mut server_args = vec![
        "serve".to_owned(),
        format!("--addr={addr}"),
        format!("--data={}", data.path().display()),
        format!("--max-queue={}", args.customers.saturating_mul(2).max(100)),
        format!("--max-sessions={}", args.customers + args.agents + 1_000),
    ];
    server_args.extend(expand_args(&args.relais_args, addr, data.path()));
    let data_path = data.path().to_owned();
    let server = ServerProcess::start(
        &args.relais_bin,
        &server_args,
        addr,
        args.startup_timeout,
        args.show_server_output,
    )
    .await?
    .with_data_dir(data);
    let pid = server.pid;
    let measured = measure(args, addr, &data_path, pid, &server.url).await;
    server.stop().await?;
    measured
}

/// Reads the server's usage.
fn usage(pid: u32) -> anyhow::Result<process::Usage> {
    Ok(process::usage(Pid::Other(pid))?)
}

async fn measure(
    args: &HandoffArgs,
    addr: std::net::SocketAddr,
    data: &std::path::Path,
    pid: u32,
    url: &str,
) -> anyhow::Result<HandoffRun> {
    let base = Instant::now();
    let live = Arc::new(Live::default());
    let (phase_tx, phase_rx) = watch::channel(Phase::Queueing);

    // Advisors: created, logged in and connected one after the other (argon2 makes each
    // login cost tens of milliseconds of server CPU; this is setup, not measured).
    let admin = agent::admin_token(data, args.startup_timeout).await?;
    let spec = AgentSpec {
        langs: vec!["fr".to_owned(), "en".to_owned()],
        skills: args.skills.clone(),
        capacity: args.capacity,
    };
    let chats_wanted_max = args.agents * args.capacity as usize;
    let plan = AgentPlan {
        rate: args.rate,
        chats: chats_wanted_max.max(1),
        base,
        live: Arc::clone(&live),
    };
    let (accepted_tx, mut accepted_rx) = mpsc::unbounded_channel();
    let mut agent_tasks = JoinSet::new();
    let mut assign_txs = Vec::new();
    for index in 0..args.agents {
        let name = agent::agent_name(index);
        agent::create(addr, &admin, &name, &spec).await?;
        let token = agent::login(addr, &name).await?;
        let socket = agent::connect(addr, &token).await?;
        let (assign_tx, assign_rx) = mpsc::unbounded_channel();
        assign_txs.push(assign_tx);
        agent_tasks.spawn(agent::run(
            socket,
            plan.clone(),
            assign_rx,
            accepted_tx.clone(),
            phase_rx.clone(),
        ));
    }
    drop(accepted_tx);
    tokio::time::sleep(args.settle).await;

    // Queueing.
    let before = usage(pid)?;
    let live_before = live.snapshot();
    let queue_began = Instant::now();
    let customer_plan = CustomerPlan {
        url: url.to_owned(),
        rate: args.rate,
        customers: args.customers.max(1),
        queue_timeout: args.queue_timeout,
        base,
        permits: Arc::new(Semaphore::new(args.connect_concurrency.max(1))),
        live: Arc::clone(&live),
    };
    let (settled_tx, mut settled_rx) = mpsc::unbounded_channel();
    let mut customer_tasks: JoinSet<CustomerOutcome> = JoinSet::new();
    for index in 0..args.customers {
        customer_tasks.spawn(customer::run(
            index,
            customer_plan.clone(),
            settled_tx.clone(),
            phase_rx.clone(),
        ));
    }
    drop(settled_tx);
    let mut queued = Vec::new();
    let mut queue_errors = Counts::new();
    let mut times = Vec::new();
    while let Some(settled) = settled_rx.recv().await {
        match settled {
            Ok(q) => {
                times.push(q.took);
                queued.push(q.conversation);
            }
            Err(label) => count_label(&mut queue_errors, label),
        }
    }
    let queue_wall = queue_began.elapsed();
    let queue_cpu_s = usage(pid)?.cpu_s - before.cpu_s;
    tokio::time::sleep(args.settle).await;
    let after_queue = usage(pid)?;
    let live_queued = live.snapshot();
    let queue = QueuePhase {
        queued: queued.len(),
        errors: queue_errors,
        wall_s: queue_wall.as_secs_f64(),
        time_to_queued: LatencySummary::from_samples(&mut times),
        queue_updates: live_queued.0 - live_before.0,
        agent_queue_frames: live_queued.1 - live_before.1,
        rss_before_kib: before.rss_kib,
        rss_queued_kib: after_queue.rss_kib,
        cpu_s: queue_cpu_s,
    };

    // Accepting: the longest-waiting customers first, spread over the advisors in turn.
    let wanted = queued.len().min(chats_wanted_max);
    let accept_began = Instant::now();
    for (chat_index, conversation) in queued.into_iter().take(wanted).enumerate() {
        if let Some(tx) = assign_txs.get(chat_index % args.agents.max(1)) {
            let _ = tx.send(Assignment {
                conversation,
                chat_index,
            });
        }
    }
    let mut accept_times = Vec::new();
    let mut accept_errors = Counts::new();
    let accept_deadline = accept_began + args.accept_timeout;
    while accept_times.len() + (accept_errors.values().sum::<u64>() as usize) < wanted {
        match tokio::time::timeout_at(accept_deadline, accepted_rx.recv()).await {
            Ok(Some(Ok(took))) => accept_times.push(took),
            Ok(Some(Err(label))) => count_label(&mut accept_errors, label),
            Ok(None) | Err(_) => break,
        }
    }
    let accept_wall = accept_began.elapsed();
    let live_accepted = live.snapshot();
    let accept = AcceptPhase {
        wanted,
        accepted: accept_times.len(),
        errors: accept_errors,
        wall_s: accept_wall.as_secs_f64(),
        latency: LatencySummary::from_samples(&mut accept_times),
        queue_updates: live_accepted.0 - live_queued.0,
    };

    // Chatting.
    let start = Instant::now();
    let window = ChatWindow {
        start,
        measure_from: start + args.warmup,
        end: start + args.warmup + args.duration,
    };
    phase_tx.send_replace(Phase::Chat(window));
    tokio::time::sleep_until(window.measure_from).await;
    let (server_from, loadgen_from) = (usage(pid)?, process::usage(Pid::Myself)?);
    tokio::time::sleep_until(window.end).await;
    let (server_to, loadgen_to) = (usage(pid)?, process::usage(Pid::Myself)?);
    tokio::time::sleep(args.drain).await;
    phase_tx.send_replace(Phase::Stop);

    let mut errors = Counts::new();
    let mut add_errors = |counts: Counts| {
        for (label, n) in counts {
            *errors.entry(label).or_default() += n;
        }
    };
    let (mut to_customer, mut to_agent) = (Vec::new(), Vec::new());
    let (mut agent_sent, mut customer_sent, mut skipped, mut assigned) = (0, 0, 0, 0);
    while let Some(joined) = agent_tasks.join_next().await {
        let Ok(outcome) = joined else {
            add_errors(Counts::from([("agent:panic".to_owned(), 1)]));
            continue;
        };
        let traffic = outcome.traffic;
        agent_sent += traffic.sent;
        skipped += traffic.skipped;
        to_agent.extend(traffic.received);
        add_errors(traffic.errors);
    }
    while let Some(joined) = customer_tasks.join_next().await {
        let Ok(outcome) = joined else {
            add_errors(Counts::from([("customer:panic".to_owned(), 1)]));
            continue;
        };
        assigned += usize::from(outcome.assigned);
        let traffic = outcome.traffic;
        customer_sent += traffic.sent;
        skipped += traffic.skipped;
        to_customer.extend(traffic.received);
        add_errors(traffic.errors);
    }
    let secs = args.duration.as_secs_f64().max(f64::EPSILON);
    let delivered = (to_customer.len() + to_agent.len()) as f64;
    let chat = ChatPhase {
        assigned,
        agent_to_customer: Direction {
            sent: agent_sent,
            delivered: to_customer.len() as u64,
            latency: LatencySummary::from_samples(&mut to_customer),
        },
        customer_to_agent: Direction {
            sent: customer_sent,
            delivered: to_agent.len() as u64,
            latency: LatencySummary::from_samples(&mut to_agent),
        },
        messages_per_s: delivered / secs,
        skipped_sends: skipped,
        errors,
        server_cpu_cores: (server_to.cpu_s - server_from.cpu_s) / secs,
        rss_end_kib: server_to.rss_kib,
        loadgen_cpu_cores: (loadgen_to.cpu_s - loadgen_from.cpu_s) / secs,
    };
    Ok(HandoffRun {
        customers: args.customers,
        agents: args.agents,
        capacity: args.capacity,
        rate: args.rate,
        duration_s: args.duration.as_secs_f64(),
        queue,
        accept,
        chat,
    })
}
