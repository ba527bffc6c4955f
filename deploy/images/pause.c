/*
 * pause: the process of a kates pod sandbox. It holds the pod's network and IPC
 * namespaces open and does nothing else. As PID 1 a process gets no default signal
 * actions, so it installs handlers to exit promptly on SIGTERM/SIGINT (docker stop),
 * and it reaps zombies in case other processes of the pod end up parented to it.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) { (void)sig; _exit(0); }

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction stop = {.sa_handler = on_stop};
  struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP};
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
  return 0;
}
