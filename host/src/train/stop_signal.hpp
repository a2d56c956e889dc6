#pragma once
// SIGINT, SIGTERM and SIGUSR1 (Slurm's warning before the time limit) ask the trainer to
// checkpoint and stop at the end of the current step; a second signal stops at once.
namespace mmkd {

void install_stop_signal_handlers();
int stop_signal_received();  // 0, or the signal number
void clear_stop_signal();

}  // namespace mmkd
