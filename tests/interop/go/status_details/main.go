// Command status_details sends one request, already serialized, to a unary gRPC method and prints the
// error the server answers as grpc-go's standard call decodes it: status.FromError(err).Details().
//
// The request bytes pass through a codec that neither marshals nor unmarshals, so the program needs no
// generated stubs of the called service; the details decode into the well-known google.rpc types
// (errdetails.BadRequest, ErrorInfo, RequestInfo, RetryInfo) because their package is linked in.
//
// Usage: status_details -addr 127.0.0.1:50051 -method /pkg.Service/Method -request request.bin [-request-id ID]
// Exit status: 0 once the call has ended (answered or refused; the outcome is printed), 1 if the
// request file cannot be read or the arguments are wrong.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"time"

	"github.com/golang/protobuf/jsonpb"
	"github.com/golang/protobuf/proto"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// rawCodec carries *[]byte as they are, in both directions, under the content subtype "proto".
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// describe prints one detail: the fields of the google.rpc type it decoded into, then its proto JSON.
func describe(detail interface{}) {
	switch d := detail.(type) {
	case *errdetails.BadRequest:
		for _, v := range d.GetFieldViolations() {
			fmt.Printf("field violation: %s: %s\n", v.GetField(), v.GetDescription())
		}
	case *errdetails.ErrorInfo:
		fmt.Printf("error info: reason=%s domain=%s metadata=%v\n", d.GetReason(), d.GetDomain(), d.GetMetadata())
	case *errdetails.RequestInfo:
		fmt.Printf("request info: request_id=%s\n", d.GetRequestId())
	case *errdetails.RetryInfo:
		delay := d.GetRetryDelay()
		wait := time.Duration(delay.GetSeconds())*time.Second + time.Duration(delay.GetNanos())
		fmt.Printf("retry info: retry_delay=%s\n", wait)
	case error:
		fmt.Printf("undecodable detail: %v\n", d)
		return
	}
	if m, ok := detail.(proto.Message); ok {
		text, err := (&jsonpb.Marshaler{}).MarshalToString(m)
		if err != nil {
			text = err.Error()
		}
		fmt.Printf("detail %s: %s\n", proto.MessageName(m), text)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "server address (plaintext)")
	method := flag.String("method", "", "full method name, /package.Service/Method")
	requestPath := flag.String("request", "", "file holding the serialized request message")
	requestID := flag.String("request-id", "", "x-request-id metadata to send (none if empty)")
	timeout := flag.Duration("timeout", 30*time.Second, "deadline of the call")
	flag.Parse()
	if *method == "" || *requestPath == "" {
		flag.Usage()
		os.Exit(1)
	}
	request, err := ioutil.ReadFile(*requestPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *requestID != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "x-request-id", *requestID)
	}
	conn, err := grpc.DialContext(ctx, *addr, grpc.WithInsecure())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()

	var reply []byte
	err = conn.Invoke(ctx, *method, &request, &reply, grpc.ForceCodec(rawCodec{}))
	if err == nil {
		fmt.Printf("ok: %d bytes\n", len(reply))
		return
	}
	st, _ := status.FromError(err)
	fmt.Printf("code: %s\nmessage: %s\n", st.Code(), st.Message())
	for _, detail := range st.Details() {
		describe(detail)
	}
}
