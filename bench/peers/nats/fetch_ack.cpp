// The bare nats.c loop a sluice `nats` worker is measured against: bind to a
// durable pull consumer, Fetch(batch), append each payload to a file, ack
// each message (natsMsg_Ack, buffered), until `idle_ms` pass without one.
// Prints "messages seconds msg/s". Run several at once for several runners.
//
//   peer_nats_fetch_ack nats://127.0.0.1:4222 ORDERS orders.new workers 256 out.txt
#include <nats/nats.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s URL STREAM SUBJECT CONSUMER BATCH OUT [IDLE_MS]\n", argv[0]);
    return 2;
  }
  const int batch = std::atoi(argv[5]);
  const int idle_ms = argc > 7 ? std::atoi(argv[7]) : 1000;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  if (natsConnection_ConnectTo(&nc, argv[1]) != NATS_OK) return 1;
  natsConnection_JetStream(&js, nc, nullptr);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = argv[2];
  so.Consumer = argv[4];
  natsSubscription* sub = nullptr;
  jsErrCode jerr{};
  if (js_PullSubscribe(&sub, js, argv[3], argv[4], nullptr, &so, &jerr) != NATS_OK) return 1;
  std::FILE* out = std::fopen(argv[6], "ab");
  long n = 0;
  auto first = std::chrono::steady_clock::now(), last = first;
  auto idle_since = first;
  for (;;) {
    natsMsgList list{};
    const natsStatus s = natsSubscription_Fetch(&list, sub, batch, 500, &jerr);
    const auto now = std::chrono::steady_clock::now();
    if (s != NATS_OK) {
      if (std::chrono::duration<double, std::milli>(now - idle_since).count() > idle_ms) break;
      continue;
    }
    if (n == 0) first = now;
    for (int i = 0; i < list.Count; ++i) {
      std::fwrite(natsMsg_GetData(list.Msgs[i]), 1,
                  static_cast<std::size_t>(natsMsg_GetDataLength(list.Msgs[i])), out);
      std::fputc('\n', out);
    }
    std::fflush(out);  // the side effect reaches the OS before the ack, as in sluice
    for (int i = 0; i < list.Count; ++i) natsMsg_Ack(list.Msgs[i], nullptr);
    n += list.Count;
    last = idle_since = std::chrono::steady_clock::now();
    natsMsgList_Destroy(&list);
  }
  const double secs = std::chrono::duration<double>(last - first).count();
  std::printf("%ld %.3f %.0f\n", n, secs, secs > 0 ? static_cast<double>(n) / secs : 0.0);
  std::fclose(out);
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return 0;
}
