import Foundation

/// Starts and waits for programs of the host (useradd, ssh-keygen, sshd)
/// with posix_spawn and waitpid: the SFTP side manages system accounts
/// and OpenSSH through their own tools rather than by editing /etc files
/// itself, so their locking and checks apply. (Foundation's Process was
/// seen to leave a child unreaped and its waiter hanging, in a process
/// that runs several children at once.)
enum HostCommand {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts the program with stdin from /dev/null, stdout and stderr into
    /// `output` (a pipe's write end), and no other descriptor of ours
    /// (the API's sockets stay out of sshd).
    static func spawn(_ path: String, _ arguments: [String], output: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        guard let closeFrom = closeFromAction else {
            throw Failed(description: "cannot run \(path): this C library lacks posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later)")
        }
        _ = closeFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal handling in the child (cass ignores SIGPIPE).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGCHLD)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else { throw Failed(description: "cannot run \(path): \(String(cString: strerror(result)))") }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which
    /// Swift does not import (a _GNU_SOURCE declaration).
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFromAction: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// A pipe whose ends are not inherited by other children.
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw Failed(description: "pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    /// Waits for the child; its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// The program's output (stdout and stderr together); throws with that
    /// output when it exits with another status than those allowed.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], allowing allowed: Set<Int32> = [0]) throws -> (status: Int32, output: String) {
        let ends = try pipe()
        let fds = [ends.read, ends.write]
        let pid: pid_t
        do {
            pid = try spawn(path, arguments, output: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count > 0 {
                // Bounded: these programs say little; the start is what matters.
                if output.count < 1 << 20 { output.append(contentsOf: buffer[0..<count]) }
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(fds[0])
        let status = wait(pid)
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard allowed.contains(status) else {
            throw Failed(description: "\(([path] + arguments).joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return (status, text)
    }

    /// useradd, usermod, groupadd and userdel refuse to run while another
    /// process holds /etc/passwd's lock: tried again a few times, 100 ms apart.
    @discardableResult
    static func runLocked(_ path: String, _ arguments: [String], allowing allowed: Set<Int32> = [0]) throws -> String {
        var attempt = 0
        while true {
            do {
                return try run(path, arguments, allowing: allowed).output
            } catch let failure as Failed where attempt < 20 && failure.description.contains("lock") {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }
}
