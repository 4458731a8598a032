package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the name of the cluster's superuser.
const Superuser = "xgate"

// Options configures Start. The zero value is a durable server (fsync on)
// as the Debian package would run it, on a Unix socket only.
type Options struct {
	// BinDir holds initdb and postgres. Defaults to $XGATE_PG_BIN, else
	// /usr/lib/postgresql/15/bin, else the newest
	// /usr/lib/postgresql/*/bin, else `pg_config --bindir`.
	BinDir string
	// Settings are extra server settings (postgres -c name=value), e.g.
	// {"shared_preload_libraries": "pg_stat_statements"}.
	Settings map[string]string
	// TestOnlyNoFsync turns off fsync, synchronous_commit and
	// full_page_writes. The cluster then loses committed transactions in
	// a machine crash: only for tests that claim nothing about
	// durability, never for benchmarks or crash tests.
	TestOnlyNoFsync bool
	// StartTimeout bounds how long Start waits for the server to accept
	// connections. Defaults to 60s (a busy CI machine).
	StartTimeout time.Duration
}

// Server is a running PostgreSQL cluster in a temporary folder.
type Server struct {
	opts    Options
	bin     string
	dir     string // socket folder; the cluster is in dir/data
	cred    *syscall.Credential
	version string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has been waited for
	stopped bool
}

// port only names the socket file: the server listens on no TCP port.
const port = 5432

// Start makes a new cluster with initdb and starts postgres on it. The
// caller must Stop it.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	bin, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(cred)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, bin: bin, dir: dir, cred: cred}
	if err := s.initdb(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.start(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// findBinDir locates the server binaries.
func findBinDir(dir string) (string, error) {
	var cands []string
	if dir != "" {
		cands = append(cands, dir)
	} else {
		if env := os.Getenv("XGATE_PG_BIN"); env != "" {
			cands = append(cands, env)
		}
		cands = append(cands, "/usr/lib/postgresql/15/bin")
		if ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(ms) > 0 {
			sort.Slice(ms, func(i, j int) bool { return versionOf(ms[i]) > versionOf(ms[j]) })
			cands = append(cands, ms...)
		}
		if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
			cands = append(cands, strings.TrimSpace(string(out)))
		}
	}
	for _, c := range cands {
		if isExec(filepath.Join(c, "initdb")) && isExec(filepath.Join(c, "postgres")) {
			return c, nil
		}
	}
	return "", fmt.Errorf("pgtest: PostgreSQL server binaries (initdb, postgres) not found in %s: install postgresql-15 (.ci/deps.sh does)",
		strings.Join(cands, ", "))
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// runAs returns the credentials to run the server with: the "postgres"
// system user when we are root, else nil (ourselves).
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses to run as root; the \"postgres\" system user "+
			"(created by the postgresql-15 package, .ci/deps.sh) is missing: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgtest: user postgres: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// makeDir creates the cluster's folder, owned by the server's user, in a
// temporary directory that user can reach. The socket path must stay
// below the 107 bytes of sun_path.
func makeDir(cred *syscall.Credential) (string, error) {
	base := os.TempDir()
	if cred != nil && !reachable(base) || len(base) > 60 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "xgate-pg-")
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("pgtest: chown %s to postgres: %w", dir, err)
		}
	}
	return dir, nil
}

// reachable reports whether every folder on the way to dir can be
// traversed by others.
func reachable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" {
			return true
		}
	}
}

// command returns a command running as the server's user in its folder.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C", "LC_ALL=C", "TZ=UTC", "HOME=" + s.dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

func (s *Server) initdb(ctx context.Context) error {
	cmd := s.command(ctx, "initdb", "-D", s.DataDir(), "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	v, err := os.ReadFile(filepath.Join(s.DataDir(), "PG_VERSION"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	s.version = strings.TrimSpace(string(v))
	return nil
}

// settings are the postgres -c arguments.
func (s *Server) settings() []string {
	set := map[string]string{
		"listen_addresses":        "",
		"unix_socket_directories": s.dir,
		"port":                    strconv.Itoa(port),
		"max_connections":         "200",
		"shared_buffers":          "64MB",
		"logging_collector":       "off",
		"log_min_messages":        "warning",
		"log_timezone":            "UTC",
		"timezone":                "UTC",
		"fsync":                   "on",
		"synchronous_commit":      "on",
		"full_page_writes":        "on",
	}
	if s.opts.TestOnlyNoFsync {
		set["fsync"], set["synchronous_commit"], set["full_page_writes"] = "off", "off", "off"
	}
	for k, v := range s.opts.Settings {
		set[k] = v
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var args []string
	for _, k := range keys {
		args = append(args, "-c", k+"="+set[k])
	}
	return args
}

// start starts postgres on the cluster and waits until it accepts
// connections. A server just killed may leave children holding shared
// memory for a moment: start retries while the new one exits early.
func (s *Server) start(ctx context.Context) error {
	deadline := time.Now().Add(s.opts.StartTimeout)
	for {
		err := s.startOnce(ctx, deadline)
		if err == nil {
			return nil
		}
		var early *earlyExitError
		if !errors.As(err, &early) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type earlyExitError struct{ log string }

func (e *earlyExitError) Error() string { return "pgtest: postgres exited during start-up:\n" + e.log }

func (s *Server) startOnce(ctx context.Context, deadline time.Time) error {
	logPath := filepath.Join(s.dir, "server.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	start, _ := logf.Seek(0, 2)
	args := append([]string{"-D", s.DataDir()}, s.settings()...)
	// Not bound to ctx: the server outlives the start.
	cmd := s.command(context.Background(), "postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// SIGKILL the server if this process dies without stopping it (its
	// children follow when they see the postmaster gone). A process group
	// of its own: a Ctrl-C at the terminal is the test binary's, not the
	// server's.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited, s.stopped = cmd, exited, false
	s.mu.Unlock()

	dsn := s.DSN("postgres")
	for {
		select {
		case <-exited:
			return &earlyExitError{log: tail(logPath, start)}
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, dsn)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.kill()
			return fmt.Errorf("pgtest: postgres did not accept connections within %v: %w\n%s", s.opts.StartTimeout, err, tail(logPath, start))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tail returns the log written since offset, at most its last 4 KiB.
func tail(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if offset <= int64(len(b)) {
		b = b[offset:]
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(bytes.TrimSpace(b))
}

// Dir is the cluster's folder; the socket is in it.
func (s *Server) Dir() string { return s.dir }

// DataDir is the cluster's data directory.
func (s *Server) DataDir() string { return filepath.Join(s.dir, "data") }

// Version is the server's major version ("15").
func (s *Server) Version() string { return s.version }

// Log returns the server's log so far (for a failing test's output).
func (s *Server) Log() string { return tail(filepath.Join(s.dir, "server.log"), 0) }

// DSN returns a connection string for database db as the superuser, in
// the key=value form libpq and pgx accept.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", quote(s.dir), port, Superuser, quote(db))
}

// quote quotes a key=value connection string value if it needs it.
func quote(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\\\t\n") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// CreateDatabase creates database name and returns its DSN.
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	if err := adminExec(ctx, s.DSN("postgres"), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return s.DSN(name), nil
}

// DropDatabase drops database name, ending its connections.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	if err := adminExec(ctx, s.DSN("postgres"), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

func adminExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Kill sends SIGKILL to the postmaster and all its children at once (a
// crash, for crash tests) and waits for the postmaster to exit. Restart
// brings the cluster back up; PostgreSQL then runs crash recovery from
// its WAL.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.killLocked()
}

func (s *Server) kill() { s.Kill() }

func (s *Server) killLocked() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	pid := s.cmd.Process.Pid
	children, _ := processes(pid)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("pgtest: kill postgres: %w", err)
	}
	for _, c := range children {
		if c.pid != pid {
			syscall.Kill(c.pid, syscall.SIGKILL)
		}
	}
	<-s.exited
	return nil
}

// Restart starts postgres again on the same cluster after Kill, and waits
// until it accepts connections (after its crash recovery).
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	running := s.cmd != nil
	if running {
		select {
		case <-s.exited:
			running = false
		default:
		}
	}
	s.mu.Unlock()
	if running {
		return errors.New("pgtest: restart: the server is running")
	}
	return s.start(ctx)
}

// Stop shuts the server down (fast shutdown: open sessions are ended),
// kills it if it has not stopped after 15s, and removes its folder. It may
// be called more than once.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-s.exited:
			case <-time.After(15 * time.Second):
				err = s.killLocked()
			}
		}
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// procStat is what CPUTime and Kill read of a process.
type procStat struct {
	pid, ppid      int
	utime, stime   int64 // clock ticks
	cutime, cstime int64 // of reaped children
}

// processes returns the postmaster (pid) and its children, from /proc.
// PostgreSQL's children start sessions of their own (setsid), so they are
// found by parent, not by process group.
func processes(pid int) ([]procStat, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	var out []procStat
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// After the command name (which may hold spaces): state is field 3,
		// ppid 4, utime 14, stime 15, cutime 16, cstime 17 (proc(5)).
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 15 {
			continue
		}
		st := procStat{pid: p}
		st.ppid, _ = strconv.Atoi(f[1])
		if p != pid && st.ppid != pid {
			continue
		}
		for _, v := range []struct {
			dst *int64
			k   int
		}{{&st.utime, 11}, {&st.stime, 12}, {&st.cutime, 13}, {&st.cstime, 14}} {
			*v.dst, _ = strconv.ParseInt(f[v.k], 10, 64)
		}
		out = append(out, st)
	}
	return out, nil
}

// CPUTime returns the processor time (user and system) that the server's
// processes have used so far: the postmaster, its live children, and the
// children it has reaped. Benchmarks take the difference around a
// measured run, after the run's sessions have ended.
func (s *Server) CPUTime() (time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0, errors.New("pgtest: the server is not running")
	}
	pid := s.cmd.Process.Pid
	ps, err := processes(pid)
	if err != nil {
		return 0, err
	}
	var ticks int64
	for _, p := range ps {
		ticks += p.utime + p.stime
		if p.pid == pid {
			ticks += p.cutime + p.cstime
		}
	}
	// USER_HZ is 100 on Linux.
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
