// Savina-style peer benchmarks for actix 0.13 (actix-rt 2 / Tokio).
//
// The same six workloads exist for Myrmidon, CAF and Erlang; the algorithms,
// counts and what is timed are described in tests/bench/README.md.
//
// Usage:
//   savina_actix <pingpong|threadring|counting|fanin|spawn|idle_memory>
//                [--scale=F] [--arbiters=N]
//
// --arbiters=1 (default): every actor lives on the System arbiter (one
// thread, actix's usual setting). --arbiters=N (N > 1): N extra Arbiter
// threads are started and actors are placed on them round-robin with
// Actor::start_in_arbiter (the System arbiter then only hosts the System).
//
// The driver is the main thread; it talks to actors through their Addr
// (do_send) and learns results through a std::sync::mpsc channel.
//
// Prints exactly one line to stdout:
//   RESULT workload=<name> runtime=actix value=<number> unit=<unit>
// Everything else goes to stderr. Exits non-zero when a check fails.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_rt::{Arbiter, ArbiterHandle};

// ---------------------------------------------------------------------------
// Helpers.

fn scaled(n: i64, scale: f64) -> i64 {
    let v = (n as f64 * scale).round() as i64;
    v.max(1)
}

/// printf("%.6g") for the RESULT line, as the other peers print it.
fn fmt_g(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{}", v);
    }
    let sci = format!("{:.5e}", v);
    let (mant, exp) = sci.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    fn strip(s: &str) -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    }
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", strip(mant), sign, exp.abs())
    } else {
        let decimals = (5 - exp) as usize;
        strip(&format!("{:.*}", decimals, v))
    }
}

fn print_result(workload: &str, value: f64, unit: &str) {
    println!(
        "RESULT workload={} runtime=actix value={} unit={}",
        workload,
        fmt_g(value),
        unit
    );
}

/// Resident set size in bytes (/proc/self/statm, 2nd field, in pages).
fn resident_bytes() -> i64 {
    let s = match std::fs::read_to_string("/proc/self/statm") {
        Ok(s) => s,
        Err(_) => return -1,
    };
    let pages: i64 = match s.split_whitespace().nth(1).and_then(|f| f.parse().ok()) {
        Some(p) => p,
        None => return -1,
    };
    let page = unsafe { libc_sysconf_pagesize() };
    pages * page
}

extern "C" {
    fn sysconf(name: i32) -> i64;
}

unsafe fn libc_sysconf_pagesize() -> i64 {
    // _SC_PAGESIZE is 30 on Linux (glibc and musl).
    let p = sysconf(30);
    if p > 0 {
        p
    } else {
        4096
    }
}

fn wait_until(counter: &AtomicI64, target: i64) {
    while counter.load(Ordering::Acquire) < target {
        thread::sleep(Duration::from_micros(50));
    }
}

// ---------------------------------------------------------------------------
// Runtime: the System runs on its own thread; the main thread is the driver.

struct Runtime {
    system: System,
    arbiters: Vec<ArbiterHandle>,
    thread: thread::JoinHandle<()>,
}

impl Runtime {
    fn start(n_arbiters: usize) -> Runtime {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("actix-system".into())
            .spawn(move || {
                let runner = System::new();
                let system = System::current();
                let mut owned = Vec::new();
                let handles = if n_arbiters <= 1 {
                    vec![system.arbiter().clone()]
                } else {
                    for _ in 0..n_arbiters {
                        owned.push(Arbiter::new());
                    }
                    owned.iter().map(|a| a.handle()).collect()
                };
                tx.send((system, handles)).unwrap();
                runner.run().expect("actix system failed");
                drop(owned);
            })
            .expect("cannot start the actix system thread");
        let (system, arbiters) = rx.recv().unwrap();
        Runtime {
            system,
            arbiters,
            thread,
        }
    }

    /// The arbiter for the i-th actor placed round-robin.
    fn arbiter(&self, i: usize) -> &ArbiterHandle {
        &self.arbiters[i % self.arbiters.len()]
    }

    fn shutdown(self) {
        self.system.stop();
        let _ = self.thread.join();
    }
}

/// Counts actors of set-up that are ready, so timing starts after set-up.
static READY: AtomicI64 = AtomicI64::new(0);

// Messages shared by several workloads.
struct Start;
impl Message for Start {
    type Result = ();
}

struct Stop;
impl Message for Stop {
    type Result = ();
}

// ---------------------------------------------------------------------------
// pingpong: one pair, `rounds` round trips ping -> pong -> ping.

struct PingMsg;
impl Message for PingMsg {
    type Result = ();
}
struct PongMsg;
impl Message for PongMsg {
    type Result = ();
}
struct SetPing(Addr<PingActor>);
impl Message for SetPing {
    type Result = ();
}

struct PongActor {
    ping: Option<Addr<PingActor>>,
}
impl Actor for PongActor {
    type Context = Context<Self>;
}
impl Handler<SetPing> for PongActor {
    type Result = ();
    fn handle(&mut self, msg: SetPing, _: &mut Context<Self>) {
        self.ping = Some(msg.0);
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<PingMsg> for PongActor {
    type Result = ();
    fn handle(&mut self, _: PingMsg, _: &mut Context<Self>) {
        self.ping.as_ref().unwrap().do_send(PongMsg);
    }
}

struct PingActor {
    pong: Addr<PongActor>,
    remaining: i64,
    done: mpsc::Sender<()>,
}
impl Actor for PingActor {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<Start> for PingActor {
    type Result = ();
    fn handle(&mut self, _: Start, _: &mut Context<Self>) {
        self.pong.do_send(PingMsg);
    }
}
impl Handler<PongMsg> for PingActor {
    type Result = ();
    fn handle(&mut self, _: PongMsg, ctx: &mut Context<Self>) {
        self.remaining -= 1;
        if self.remaining == 0 {
            let _ = self.done.send(());
            ctx.stop();
        } else {
            self.pong.do_send(PingMsg);
        }
    }
}

fn run_pingpong(rt: &Runtime, scale: f64) -> i32 {
    let rounds = scaled(1_000_000, scale);
    let (done_tx, done_rx) = mpsc::channel();
    let pong = PongActor::start_in_arbiter(rt.arbiter(1), |_| PongActor { ping: None });
    let pong2 = pong.clone();
    let ping = PingActor::start_in_arbiter(rt.arbiter(0), move |_| PingActor {
        pong: pong2,
        remaining: rounds,
        done: done_tx,
    });
    pong.do_send(SetPing(ping.clone()));
    wait_until(&READY, 2);
    let t0 = Instant::now();
    ping.do_send(Start);
    done_rx.recv().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    pong.do_send(Stop);
    eprintln!("pingpong: {} round trips in {:.3} s", rounds, secs);
    print_result("pingpong", 2.0 * rounds as f64 / secs, "msgs/s");
    0
}

impl Handler<Stop> for PongActor {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

// ---------------------------------------------------------------------------
// threadring: 503 actors in a ring; one token makes `hops` hops in total.

struct SetNext(Addr<RingNode>);
impl Message for SetNext {
    type Result = ();
}
struct Token(i64);
impl Message for Token {
    type Result = ();
}

struct RingNode {
    next: Option<Addr<RingNode>>,
    done: mpsc::Sender<()>,
}
impl Actor for RingNode {
    type Context = Context<Self>;
}
impl Handler<SetNext> for RingNode {
    type Result = ();
    fn handle(&mut self, msg: SetNext, _: &mut Context<Self>) {
        self.next = Some(msg.0);
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<Token> for RingNode {
    type Result = ();
    fn handle(&mut self, msg: Token, _: &mut Context<Self>) {
        if msg.0 == 0 {
            let _ = self.done.send(());
        } else {
            self.next.as_ref().unwrap().do_send(Token(msg.0 - 1));
        }
    }
}
impl Handler<Stop> for RingNode {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        self.next = None;
        ctx.stop();
    }
}

fn run_threadring(rt: &Runtime, scale: f64) -> i32 {
    const RING: usize = 503;
    let hops = scaled(10_000_000, scale);
    let (done_tx, done_rx) = mpsc::channel();
    let ring: Vec<Addr<RingNode>> = (0..RING)
        .map(|i| {
            let done = done_tx.clone();
            RingNode::start_in_arbiter(rt.arbiter(i), move |_| RingNode { next: None, done })
        })
        .collect();
    for i in 0..RING {
        ring[i].do_send(SetNext(ring[(i + 1) % RING].clone()));
    }
    wait_until(&READY, RING as i64);
    let t0 = Instant::now();
    // The token counts the hops still to go; the holder of 0 reports.
    ring[0].do_send(Token(hops));
    done_rx.recv().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    for node in &ring {
        node.do_send(Stop);
    }
    eprintln!(
        "threadring: {} actors, {} hops in {:.3} s ({} arbiters)",
        RING,
        hops,
        secs,
        rt.arbiters.len()
    );
    print_result("threadring", hops as f64 / secs, "hops/s");
    0
}

// ---------------------------------------------------------------------------
// counting: a producer sends `n` increments to a counter, then asks for the
// total with a request/reply (Addr::send, awaited inside the producer).

struct Incr;
impl Message for Incr {
    type Result = ();
}
struct Total;
impl Message for Total {
    type Result = i64;
}

struct CounterActor {
    count: i64,
}
impl Actor for CounterActor {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<Incr> for CounterActor {
    type Result = ();
    fn handle(&mut self, _: Incr, _: &mut Context<Self>) {
        self.count += 1;
    }
}
impl Handler<Total> for CounterActor {
    type Result = MessageResult<Total>;
    fn handle(&mut self, _: Total, ctx: &mut Context<Self>) -> MessageResult<Total> {
        ctx.stop();
        MessageResult(self.count)
    }
}

struct ProducerActor {
    counter: Addr<CounterActor>,
    n: i64,
    done: mpsc::Sender<i64>,
}
impl Actor for ProducerActor {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<Start> for ProducerActor {
    type Result = ();
    fn handle(&mut self, _: Start, ctx: &mut Context<Self>) {
        for _ in 0..self.n {
            self.counter.do_send(Incr);
        }
        let request = self.counter.send(Total);
        ctx.spawn(request.into_actor(self).map(|res, act, ctx| {
            let _ = act.done.send(res.unwrap_or(-1));
            ctx.stop();
        }));
    }
}

fn run_counting(rt: &Runtime, scale: f64) -> i32 {
    let n = scaled(10_000_000, scale);
    let (done_tx, done_rx) = mpsc::channel();
    let counter = CounterActor::start_in_arbiter(rt.arbiter(1), |_| CounterActor { count: 0 });
    let producer = ProducerActor::start_in_arbiter(rt.arbiter(0), move |_| ProducerActor {
        counter,
        n,
        done: done_tx,
    });
    wait_until(&READY, 2);
    let t0 = Instant::now();
    producer.do_send(Start);
    let total = done_rx.recv().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    eprintln!("counting: {} increments in {:.3} s, total {}", n, secs, total);
    if total != n {
        eprintln!("counting: FAILED: expected {}, got {}", n, total);
        return 1;
    }
    print_result("counting", n as f64 / secs, "msgs/s");
    0
}

// ---------------------------------------------------------------------------
// fanin: 2 producers each send `per_producer` messages to one consumer.

struct FanMsg;
impl Message for FanMsg {
    type Result = ();
}

struct ConsumerActor {
    count: i64,
    expected: i64,
    done: mpsc::Sender<i64>,
}
impl Actor for ConsumerActor {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<FanMsg> for ConsumerActor {
    type Result = ();
    fn handle(&mut self, _: FanMsg, ctx: &mut Context<Self>) {
        self.count += 1;
        if self.count == self.expected {
            let _ = self.done.send(self.count);
            ctx.stop();
        }
    }
}

struct FanInProducer {
    consumer: Addr<ConsumerActor>,
    n: i64,
}
impl Actor for FanInProducer {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<Start> for FanInProducer {
    type Result = ();
    fn handle(&mut self, _: Start, ctx: &mut Context<Self>) {
        for _ in 0..self.n {
            self.consumer.do_send(FanMsg);
        }
        ctx.stop();
    }
}

fn run_fanin(rt: &Runtime, scale: f64) -> i32 {
    const PRODUCERS: usize = 2;
    let per_producer = scaled(5_000_000, scale);
    let total = per_producer * PRODUCERS as i64;
    let (done_tx, done_rx) = mpsc::channel();
    // Consumer on arbiter 0, producers on the next ones (round-robin).
    let consumer = ConsumerActor::start_in_arbiter(rt.arbiter(0), move |_| ConsumerActor {
        count: 0,
        expected: total,
        done: done_tx,
    });
    let producers: Vec<Addr<FanInProducer>> = (0..PRODUCERS)
        .map(|i| {
            let consumer = consumer.clone();
            FanInProducer::start_in_arbiter(rt.arbiter(i + 1), move |_| FanInProducer {
                consumer,
                n: per_producer,
            })
        })
        .collect();
    drop(consumer);
    wait_until(&READY, 1 + PRODUCERS as i64);
    let t0 = Instant::now();
    for p in &producers {
        p.do_send(Start);
    }
    let counted = done_rx.recv().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    eprintln!("fanin: {} x {} messages in {:.3} s", PRODUCERS, per_producer, secs);
    if counted != total {
        eprintln!("fanin: FAILED: expected {}, got {}", total, counted);
        return 1;
    }
    print_result("fanin", total as f64 / secs, "msgs/s");
    0
}

// ---------------------------------------------------------------------------
// spawn: a spawner creates `n` children and sends each one message; a child
// handling it counts itself off a shared atomic counter and stops. The child
// that takes the counter to zero tells the driver, which then waits until the
// count of live children (incremented in started(), decremented in
// stopped()) is back to zero.

struct SpawnShared {
    left: AtomicI64,
    live: AtomicI64,
    done: mpsc::Sender<()>,
}

struct Go;
impl Message for Go {
    type Result = ();
}

struct SpawnChild {
    shared: &'static SpawnShared,
}
impl Actor for SpawnChild {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        self.shared.live.fetch_add(1, Ordering::AcqRel);
    }
    fn stopped(&mut self, _: &mut Context<Self>) {
        self.shared.live.fetch_sub(1, Ordering::AcqRel);
    }
}
impl Handler<Go> for SpawnChild {
    type Result = ();
    fn handle(&mut self, _: Go, ctx: &mut Context<Self>) {
        if self.shared.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = self.shared.done.send(());
        }
        ctx.stop();
    }
}

struct Spawner {
    n: i64,
    shared: &'static SpawnShared,
    arbiters: Vec<ArbiterHandle>,
}
impl Actor for Spawner {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<Start> for Spawner {
    type Result = ();
    fn handle(&mut self, _: Start, ctx: &mut Context<Self>) {
        let shared = self.shared;
        let k = self.arbiters.len();
        for i in 0..self.n as usize {
            // The spawner lives on arbiter 0. Children for its own arbiter
            // are started locally (Actor::start); the others are started in
            // their arbiter (Actor::start_in_arbiter).
            let child = if i % k == 0 {
                SpawnChild { shared }.start()
            } else {
                SpawnChild::start_in_arbiter(&self.arbiters[i % k], move |_| SpawnChild { shared })
            };
            child.do_send(Go);
        }
        ctx.stop();
    }
}

fn run_spawn(rt: &Runtime, scale: f64) -> i32 {
    let n = scaled(1_000_000, scale);
    let (done_tx, done_rx) = mpsc::channel();
    let shared: &'static SpawnShared = Box::leak(Box::new(SpawnShared {
        left: AtomicI64::new(n),
        live: AtomicI64::new(0),
        done: done_tx,
    }));
    let arbiters = rt.arbiters.clone();
    let spawner = Spawner::start_in_arbiter(rt.arbiter(0), move |_| Spawner {
        n,
        shared,
        arbiters,
    });
    wait_until(&READY, 1);
    let t0 = Instant::now();
    spawner.do_send(Start);
    drop(spawner);
    done_rx.recv().unwrap();
    // Every child has handled its message; wait until all have stopped.
    while shared.live.load(Ordering::Acquire) > 0 {
        thread::sleep(Duration::from_micros(50));
    }
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "spawn: {} actors in {:.3} s ({} arbiters, live children after: {})",
        n,
        secs,
        rt.arbiters.len(),
        shared.live.load(Ordering::Acquire)
    );
    let left = shared.left.load(Ordering::Acquire);
    if left != 0 {
        eprintln!("spawn: FAILED: {} children did not run", left);
        return 1;
    }
    print_result("spawn", secs * 1e9 / n as f64, "ns/actor");
    0
}

// ---------------------------------------------------------------------------
// idle_memory: `n` started actors waiting for a message; RSS growth / n.
//
// One IdleSpawner per arbiter starts its share of the actors locally
// (Actor::start) and keeps their addresses in a vector the driver allocated
// and touched before the baseline. Each idle actor bumps IDLE_READY in
// started(), i.e. once it is running and waiting on its mailbox.

static IDLE_READY: AtomicI64 = AtomicI64::new(0);
static IDLE_STOPPED: AtomicI64 = AtomicI64::new(0);

struct IdleActor;
impl Actor for IdleActor {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        IDLE_READY.fetch_add(1, Ordering::Release);
    }
    fn stopped(&mut self, _: &mut Context<Self>) {
        IDLE_STOPPED.fetch_add(1, Ordering::Release);
    }
}
impl Handler<Stop> for IdleActor {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

struct SpawnIdle {
    count: usize,
    addrs: Vec<Addr<IdleActor>>,
}
impl Message for SpawnIdle {
    type Result = ();
}

struct IdleSpawner {
    addrs: Vec<Addr<IdleActor>>,
}
impl Actor for IdleSpawner {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        READY.fetch_add(1, Ordering::Release);
    }
}
impl Handler<SpawnIdle> for IdleSpawner {
    type Result = ();
    fn handle(&mut self, msg: SpawnIdle, _: &mut Context<Self>) {
        self.addrs = msg.addrs;
        for _ in 0..msg.count {
            self.addrs.push(IdleActor.start());
        }
    }
}
impl Handler<Stop> for IdleSpawner {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        for a in self.addrs.drain(..) {
            a.do_send(Stop);
        }
        ctx.stop();
    }
}

fn run_idle_memory(rt: &Runtime, scale: f64) -> i32 {
    let n = scaled(1_000_000, scale) as usize;
    let k = rt.arbiters.len();
    let spawners: Vec<Addr<IdleSpawner>> = (0..k)
        .map(|i| IdleSpawner::start_in_arbiter(rt.arbiter(i), |_| IdleSpawner { addrs: Vec::new() }))
        .collect();
    wait_until(&READY, k as i64);
    // Address vectors, allocated and touched before the baseline.
    let mut vecs = Vec::with_capacity(k);
    let mut counts = Vec::with_capacity(k);
    for i in 0..k {
        let count = n / k + usize::from(i < n % k);
        let mut v: Vec<Addr<IdleActor>> = Vec::with_capacity(count);
        unsafe { std::ptr::write_bytes(v.as_mut_ptr(), 0, count) };
        vecs.push(v);
        counts.push(count);
    }
    let before = resident_bytes();
    let t0 = Instant::now();
    for (i, v) in vecs.into_iter().enumerate() {
        spawners[i].do_send(SpawnIdle {
            count: counts[i],
            addrs: v,
        });
    }
    wait_until(&IDLE_READY, n as i64);
    let secs = t0.elapsed().as_secs_f64();
    let after = resident_bytes();
    let per_actor = (after - before) as f64 / n as f64;
    eprintln!(
        "idle_memory: {} actors started in {:.3} s ({} arbiters); RSS {} -> {} bytes, {:.1} bytes/actor",
        n, secs, k, before, after, per_actor
    );
    for s in &spawners {
        s.do_send(Stop);
    }
    wait_until(&IDLE_STOPPED, n as i64);
    eprintln!(
        "idle_memory: all {} actors stopped; RSS {}",
        n,
        resident_bytes()
    );
    print_result("idle_memory", per_actor, "bytes/actor");
    0
}

// ---------------------------------------------------------------------------

fn usage() -> i32 {
    eprintln!(
        "usage: savina_actix <pingpong|threadring|counting|fanin|spawn|idle_memory> \
         [--scale=F] [--arbiters=N]"
    );
    2
}

fn real_main() -> i32 {
    let mut workload: Option<String> = None;
    let mut scale = 1.0f64;
    let mut arbiters = 1usize;
    for arg in std::env::args().skip(1) {
        if let Some(v) = arg.strip_prefix("--scale=") {
            match v.parse::<f64>() {
                Ok(s) => scale = s,
                Err(_) => return usage(),
            }
        } else if let Some(v) = arg.strip_prefix("--arbiters=") {
            match v.parse::<usize>() {
                Ok(a) if a >= 1 => arbiters = a,
                _ => return usage(),
            }
        } else if !arg.starts_with('-') && workload.is_none() {
            workload = Some(arg);
        } else {
            return usage();
        }
    }
    let workload = match workload {
        Some(w) => w,
        None => return usage(),
    };
    if !(scale > 0.0) {
        return usage();
    }
    let run: fn(&Runtime, f64) -> i32 = match workload.as_str() {
        "pingpong" => run_pingpong,
        "threadring" => run_threadring,
        "counting" => run_counting,
        "fanin" => run_fanin,
        "spawn" => run_spawn,
        "idle_memory" => run_idle_memory,
        _ => {
            eprintln!("unknown workload '{}'", workload);
            return usage();
        }
    };
    eprintln!(
        "actix: workload={} scale={} arbiters={}",
        workload, scale, arbiters
    );
    let rt = Runtime::start(arbiters);
    let rc = run(&rt, scale);
    rt.shutdown();
    rc
}

fn main() {
    let rc = real_main();
    std::process::exit(rc);
}
