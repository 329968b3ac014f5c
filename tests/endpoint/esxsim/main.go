// esxsim: VMware's own ESXi simulator (govmomi's simulator.ESX()) behind a TLS listener on
// loopback, for the endpoint probe's tests. A test-only tool: built from the Debian packages
// golang-go and golang-github-vmware-govmomi-dev in GOPATH mode (no network), never shipped.
//
// It prints, one per line on stdout:
//
//	thumbprint AA:BB:...          the server certificate's SHA-1 thumbprint, as govmomi writes it
//	listening on https://HOST:PORT
//	soap METHOD STATUS            after each SOAP call, before its answer is sent, so a test that
//	                              got an answer can read which calls the simulator saw (and prove
//	                              that no Login was attempted)
//
// The certificate is generated at start (ECDSA P-256, for 127.0.0.1, ::1 and localhost), so
// every run has its own thumbprint. Only loopback addresses are accepted for -listen.
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
)

// The largest SOAP request the rig reads; the probe's are well under 2 KiB.
const maxRequestBytes = 1 << 20

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address:port to serve on")
	user := flag.String("user", "root", "the only user name Login accepts")
	password := flag.String("password", "", "the only password Login accepts (required)")
	loginDelay := flag.Duration("login-delay", 0, "hold every Login answer this long")
	closeEach := flag.Bool("close", false, "close the connection after every answer")
	flag.Parse()
	if *password == "" {
		fail("-password is required")
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		fail(fmt.Sprintf("-listen %q: give a loopback IP and port, e.g. 127.0.0.1:0 or [::1]:0", *listen))
	}

	cert, parsed := selfSigned()
	model := simulator.ESX()
	defer model.Remove()
	if err := model.Create(); err != nil {
		fail("creating the ESX model: " + err.Error())
	}
	svc := model.Service
	svc.RegisterSDK(simulator.Map)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fail("listen: " + err.Error())
	}
	// Login checks the credentials against Listen.User (any non-empty pair passes without it).
	svc.Listen = &url.URL{Scheme: "https", Host: ln.Addr().String(), Path: "/sdk",
		User: url.UserPassword(*user, *password)}

	handler := &recorder{next: svc.ServeMux, loginDelay: *loginDelay, closeEach: *closeEach}
	server := &http.Server{
		Handler:   handler,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		// HTTP/1.1 only, as ESXi's /sdk speaks it: no HTTP/2 over ALPN.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	fmt.Printf("thumbprint %s\n", soap.ThumbprintSHA1(parsed))
	fmt.Printf("listening on https://%s\n", ln.Addr().String())
	if err := server.ServeTLS(ln, "", ""); err != nil && err != http.ErrServerClosed {
		fail("serve: " + err.Error())
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "esxsim: "+message)
	os.Exit(2)
}

func selfSigned() (tls.Certificate, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail("key: " + err.Error())
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "esxsim.localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		fail("certificate: " + err.Error())
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		fail("certificate: " + err.Error())
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, parsed
}

// recorder names each SOAP call on stdout, then lets the simulator answer it.
type recorder struct {
	next       http.Handler
	loginDelay time.Duration
	closeEach  bool
}

func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.closeEach {
		w.Header().Set("Connection", "close")
	}
	if r.Method != http.MethodPost {
		h.next.ServeHTTP(w, r)
		return
	}
	body, err := ioutil.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil || len(body) > maxRequestBytes {
		http.Error(w, "request unreadable or too large", http.StatusBadRequest)
		return
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	method := soapMethod(body)
	if method == "Login" && h.loginDelay > 0 {
		time.Sleep(h.loginDelay)
	}
	status := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.next.ServeHTTP(status, r)
	fmt.Printf("soap %s %d\n", method, status.status)
}

// soapMethod is the name of the first element inside the envelope's Body ("?" when there is none).
func soapMethod(body []byte) string {
	decoder := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		token, err := decoder.Token()
		if err != nil {
			return "?"
		}
		if start, ok := token.(xml.StartElement); ok {
			if inBody {
				return strings.TrimSpace(start.Name.Local)
			}
			inBody = start.Name.Local == "Body"
		}
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
