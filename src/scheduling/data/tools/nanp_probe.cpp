#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <iostream>
#include <map>
#include <string>
using namespace i18n::phonenumbers;
int main(){
  auto& u=*PhoneNumberUtil::GetInstance();
  PhoneNumberOfflineGeocoder g;
  icu::Locale en("en");
  for(int npa=200;npa<1000;++npa){
    std::map<std::string,int> desc; std::string region; int valid=0;
    for(int nxx=200;nxx<1000;nxx+=1){
      PhoneNumber n; n.set_country_code(1);
      n.set_national_number((uint64_t)npa*10000000ull+(uint64_t)nxx*10000ull+1234);
      if(!u.IsValidNumber(n)) continue;
      ++valid; u.GetRegionCodeForNumber(n,&region);
      desc[g.GetDescriptionForNumber(n,en)]++;
    }
    if(!valid) continue;
    std::cout<<npa<<"|"<<region<<"|"<<valid;
    for(auto&[d,c]:desc) std::cout<<"|"<<d<<"="<<c;
    std::cout<<"\n";
  }
}
