%% Savina-style peer benchmarks for Erlang/OTP (25).
%%
%% The same six workloads exist for Myrmidon (tests/bench/myrmidon) and CAF
%% (tests/bench/caf/savina_caf.cc); tests/bench/README.md describes the
%% algorithms, and tests/bench/run_peers.py runs all three side by side.
%%
%% Usage (after `erlc -o DIR savina.erl`):
%%   erl +P 4194304 -noshell -noinput -pa DIR -s savina main \
%%       -extra <workload> [--scale=F]
%%
%% Prints exactly one line to stdout:
%%   RESULT workload=<name> runtime=erlang value=<number> unit=<unit>
%% Everything else goes to stderr. Halts with status 1 when a check fails,
%% 2 on bad usage.

-module(savina).
-export([main/0, main/1]).

-define(RING_SIZE, 503).
-define(FANIN_PRODUCERS, 2).

%% ---------------------------------------------------------------------------
%% Entry points.

main() ->
    main(init:get_plain_arguments()).

main(Args) ->
    Status =
        case parse_args(Args, undefined, 1.0) of
            {ok, Workload, Scale} ->
                %% Run the workload in a fresh process (not the init-spawned
                %% one) and wait for its verdict.
                Parent = self(),
                {Pid, Ref} = spawn_monitor(
                               fun() -> Parent ! {self(), run(Workload, Scale)} end),
                receive
                    {Pid, Result} ->
                        erlang:demonitor(Ref, [flush]),
                        Result;
                    {'DOWN', Ref, process, Pid, Reason} ->
                        err("~s: crashed: ~p~n", [Workload, Reason]),
                        1
                end;
            usage ->
                err("usage: savina <pingpong|threadring|counting|fanin|spawn|"
                    "idle_memory> [--scale=F]~n", []),
                2
        end,
    erlang:halt(Status).

parse_args([], undefined, _Scale) ->
    usage;
parse_args([], Workload, Scale) ->
    {ok, Workload, Scale};
parse_args(["--scale=" ++ S | Rest], W, _) ->
    case to_number(S) of
        N when is_number(N), N > 0 -> parse_args(Rest, W, N);
        _ -> usage
    end;
parse_args(["--scale", S | Rest], W, Scale) ->
    parse_args(["--scale=" ++ S | Rest], W, Scale);
parse_args([[C | _] = W | Rest], undefined, Scale) when C =/= $- ->
    parse_args(Rest, W, Scale);
parse_args(_, _, _) ->
    usage.

to_number(S) ->
    case string:to_float(S) of
        {F, ""} -> F;
        _ ->
            case string:to_integer(S) of
                {I, ""} -> I;
                _ -> error
            end
    end.

scaled(N, Scale) -> max(1, round(N * Scale)).

err(Fmt, Args) -> io:format(standard_error, Fmt, Args).

result(Workload, Value, Unit) ->
    io:format("RESULT workload=~s runtime=erlang value=~s unit=~s~n",
              [Workload, format_number(Value), Unit]).

format_number(V) -> float_to_list(float(V), [{decimals, 1}, compact]).

now_ns() -> erlang:monotonic_time(nanosecond).

secs_since(T0) -> (now_ns() - T0) / 1.0e9.

run("pingpong", Scale) -> pingpong(scaled(1000000, Scale));
run("threadring", Scale) -> threadring(scaled(10000000, Scale));
run("counting", Scale) -> counting(scaled(10000000, Scale));
run("fanin", Scale) -> fanin(scaled(5000000, Scale));
run("spawn", Scale) -> spawn_bench(scaled(1000000, Scale));
run("idle_memory", Scale) -> idle_memory(scaled(1000000, Scale));
run(Other, _) ->
    err("unknown workload '~s'~n", [Other]),
    2.

%% ---------------------------------------------------------------------------
%% pingpong: one pair, Rounds round trips ping -> pong -> ping.

pingpong(Rounds) ->
    Driver = self(),
    Pong = spawn(fun() -> receive {partner, P} -> pong_loop(P) end end),
    Ping = spawn(fun() -> receive go -> ping_loop(Pong, Rounds, Driver) end end),
    Pong ! {partner, Ping},
    T0 = now_ns(),
    Ping ! go,
    receive done -> ok end,
    Secs = secs_since(T0),
    Pong ! stop,
    err("pingpong: ~b round trips in ~.3f s~n", [Rounds, Secs]),
    result("pingpong", 2 * Rounds / Secs, "msgs/s"),
    0.

ping_loop(Pong, Remaining, Driver) ->
    Pong ! ping,
    receive
        pong when Remaining =:= 1 -> Driver ! done;
        pong -> ping_loop(Pong, Remaining - 1, Driver)
    end.

pong_loop(Ping) ->
    receive
        ping -> Ping ! pong, pong_loop(Ping);
        stop -> ok
    end.

%% ---------------------------------------------------------------------------
%% threadring: 503 processes in a ring; one token makes Hops hops in total.
%% The token's value counts the hops still to go; the holder of 0 reports.

threadring(Hops) ->
    Driver = self(),
    Ring = [spawn(fun() -> receive {next, N} -> ring_loop(N, Driver) end end)
            || _ <- lists:seq(1, ?RING_SIZE)],
    [First | _] = Ring,
    lists:foreach(fun({P, Next}) -> P ! {next, Next} end,
                  lists:zip(Ring, tl(Ring) ++ [First])),
    T0 = now_ns(),
    First ! Hops,
    receive done -> ok end,
    Secs = secs_since(T0),
    lists:foreach(fun(P) -> P ! stop end, Ring),
    err("threadring: ~b processes, ~b hops in ~.3f s~n", [?RING_SIZE, Hops, Secs]),
    result("threadring", Hops / Secs, "hops/s"),
    0.

ring_loop(Next, Driver) ->
    receive
        0 -> Driver ! done, ring_loop(Next, Driver);
        Token when is_integer(Token) -> Next ! Token - 1, ring_loop(Next, Driver);
        stop -> ok
    end.

%% ---------------------------------------------------------------------------
%% counting: a producer sends N increments to a counter, then asks for the
%% total (request/reply).

counting(N) ->
    Driver = self(),
    Counter = spawn(fun() -> counter_loop(0) end),
    Producer = spawn(fun() ->
                             receive go -> ok end,
                             send_n(Counter, incr, N),
                             Ref = make_ref(),
                             Counter ! {total, self(), Ref},
                             receive {Ref, Total} -> Driver ! {counted, Total} end
                     end),
    T0 = now_ns(),
    Producer ! go,
    Total = receive {counted, T} -> T end,
    Secs = secs_since(T0),
    err("counting: ~b increments in ~.3f s, total ~b~n", [N, Secs, Total]),
    case Total of
        N ->
            result("counting", N / Secs, "msgs/s"),
            0;
        _ ->
            err("counting: FAILED: expected ~b, got ~b~n", [N, Total]),
            1
    end.

counter_loop(Count) ->
    receive
        incr -> counter_loop(Count + 1);
        {total, From, Ref} -> From ! {Ref, Count}
    end.

send_n(_Dest, _Msg, 0) -> ok;
send_n(Dest, Msg, N) -> Dest ! Msg, send_n(Dest, Msg, N - 1).

%% ---------------------------------------------------------------------------
%% fanin: 2 producers each send PerProducer messages to one consumer; done when
%% the consumer has counted all of them.

fanin(PerProducer) ->
    Driver = self(),
    Total = PerProducer * ?FANIN_PRODUCERS,
    Consumer = spawn(fun() -> consumer_loop(0, Total, Driver) end),
    Producers = [spawn(fun() -> receive go -> send_n(Consumer, msg, PerProducer) end end)
                 || _ <- lists:seq(1, ?FANIN_PRODUCERS)],
    T0 = now_ns(),
    lists:foreach(fun(P) -> P ! go end, Producers),
    Counted = receive {consumed, C} -> C end,
    Secs = secs_since(T0),
    err("fanin: ~b x ~b messages in ~.3f s~n", [?FANIN_PRODUCERS, PerProducer, Secs]),
    case Counted of
        Total ->
            result("fanin", Total / Secs, "msgs/s"),
            0;
        _ ->
            err("fanin: FAILED: expected ~b, got ~b~n", [Total, Counted]),
            1
    end.

consumer_loop(Count, Total, Driver) ->
    receive
        msg when Count + 1 =:= Total -> Driver ! {consumed, Count + 1};
        msg -> consumer_loop(Count + 1, Total, Driver)
    end.

%% ---------------------------------------------------------------------------
%% spawn: a spawner creates N children and sends each one message; a child
%% handling it counts itself off a shared atomic counter and terminates. The
%% child that takes the counter to zero tells the driver, which then waits
%% until the process count is back where it started (every child has exited).

spawn_bench(N) ->
    Driver = self(),
    Left = atomics:new(1, []),
    atomics:put(Left, 1, N),
    Procs0 = erlang:system_info(process_count),
    Spawner = spawn(fun() -> receive go -> spawn_children(Left, Driver, N) end end),
    T0 = now_ns(),
    Spawner ! go,
    receive all_handled -> ok end,
    wait_process_count(Procs0),
    Secs = secs_since(T0),
    err("spawn: ~b processes in ~.3f s~n", [N, Secs]),
    case atomics:get(Left, 1) of
        0 ->
            result("spawn", Secs * 1.0e9 / N, "ns/actor"),
            0;
        Other ->
            err("spawn: FAILED: ~b children did not run~n", [Other]),
            1
    end.

spawn_children(_Left, _Driver, 0) -> ok;
spawn_children(Left, Driver, N) ->
    Child = spawn(fun() -> receive go -> child_done(Left, Driver) end end),
    Child ! go,
    spawn_children(Left, Driver, N - 1).

child_done(Left, Driver) ->
    case atomics:sub_get(Left, 1, 1) of
        0 -> Driver ! all_handled;
        _ -> ok
    end.

%% ---------------------------------------------------------------------------
%% idle_memory: N processes that have started and wait in `receive`; the
%% headline is the growth of erlang:memory(total) divided by N. Also reported
%% on stderr: the mean erlang:process_info(P, memory), the growth net of the
%% driver's own pid list, and the OS RSS growth.

idle_memory(N) ->
    Counters = counters:new(2, [write_concurrency]),
    erlang:garbage_collect(),
    Procs0 = erlang:system_info(process_count),
    Rss0 = rss_bytes(),
    Self0 = proc_mem(self()),
    Mem0 = erlang:memory(total),
    T0 = now_ns(),
    Pids = spawn_idle(N, Counters, []),
    wait_counter(Counters, 1, N),  % every process now waits in its receive
    Secs = secs_since(T0),
    erlang:garbage_collect(),
    Mem1 = erlang:memory(total),
    Self1 = proc_mem(self()),
    Rss1 = rss_bytes(),
    PerProc = (Mem1 - Mem0) / N,
    PerProcNet = (Mem1 - Mem0 - (Self1 - Self0)) / N,
    ProcInfoMean = lists:sum([proc_mem(P) || P <- Pids]) / N,
    err("idle_memory: ~b processes spawned in ~.3f s; erlang:memory(total) "
        "~b -> ~b bytes, ~.1f bytes/process (~.1f without the driver's pid "
        "list); mean process_info(memory) ~.1f bytes; OS RSS ~b -> ~b bytes, "
        "~.1f bytes/process~n",
        [N, Secs, Mem0, Mem1, PerProc, PerProcNet, ProcInfoMean, Rss0, Rss1,
         (Rss1 - Rss0) / N]),
    lists:foreach(fun(P) -> P ! stop end, Pids),
    wait_counter(Counters, 2, N),
    wait_process_count(Procs0),
    err("idle_memory: all ~b processes stopped~n", [N]),
    result("idle_memory", PerProc, "bytes/actor"),
    0.

spawn_idle(0, _Counters, Acc) -> Acc;
spawn_idle(N, Counters, Acc) ->
    P = spawn(fun() -> idle(Counters) end),
    spawn_idle(N - 1, Counters, [P | Acc]).

idle(Counters) ->
    counters:add(Counters, 1, 1),
    receive
        stop -> counters:add(Counters, 2, 1)
    end.

wait_counter(Counters, Ix, N) ->
    case counters:get(Counters, Ix) >= N of
        true -> ok;
        false -> timer:sleep(1), wait_counter(Counters, Ix, N)
    end.

wait_process_count(Target) ->
    case erlang:system_info(process_count) =< Target of
        true -> ok;
        false -> erlang:yield(), wait_process_count(Target)
    end.

proc_mem(P) ->
    case erlang:process_info(P, memory) of
        {memory, M} -> M;
        undefined -> 0
    end.

%% Resident set size of the emulator in bytes, from /proc/self/statm.
rss_bytes() ->
    case file:read_file("/proc/self/statm") of
        {ok, Bin} ->
            [_Size, Resident | _] = string:lexemes(binary_to_list(Bin), " \n"),
            list_to_integer(Resident) * 4096;
        _ -> 0
    end.
