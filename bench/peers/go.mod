module sluice/bench/peers

go 1.19
